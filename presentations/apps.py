from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PresentationsConfig(AppConfig):
    name = "presentations"
    verbose_name = _("Presentations")

    def ready(self):
        from presentations.reminders import register_kinds

        register_kinds()
