from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sro_portal.accounts"
    label = "accounts"
    verbose_name = _("Agencies and accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from sro_portal.accounts.middleware import session_started
        from sro_portal.accounts.reminders import register_kinds

        register_kinds()
        user_logged_in.connect(session_started, dispatch_uid="accounts.session_started")
