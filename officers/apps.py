from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficersConfig(AppConfig):
    name = "officers"
    verbose_name = _("Officers")

    def ready(self):
        from officers.reminders import register_kinds

        register_kinds()
