from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sro_portal.accounts"
    label = "accounts"
    verbose_name = _("Agencies and accounts")

    def ready(self):
        from sro_portal.accounts.reminders import register_kinds

        register_kinds()
