from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared pages and UI pieces: home per role, health check, error pages, navigation."""

    name = "sro_portal.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.apps import apps
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from sro_portal import rls

        # Row-level security (sro_portal/rls.py). post_migrate is sent once per app with models
        # (core has none), after every migration has run: once, for accounts, is enough.
        post_migrate.connect(rls.after_migrate, sender=apps.get_app_config("accounts"))
        connection_created.connect(rls.forget_agency_on_connect)
