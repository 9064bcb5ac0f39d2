import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sro_portal.settings")
application = get_wsgi_application()

# Import every view now (the URL configuration imports them), then take what start-up made out
# of the garbage collector's reach: those ~160,000 objects live as long as the process, and each
# full collection walked them all, 60-90 ms in the middle of some request (the dashboard's p95 at
# scale went from 228 to 144 ms; bench/README.md). Objects made by requests are collected as
# before.
import_module(settings.ROOT_URLCONF)
gc.freeze()
