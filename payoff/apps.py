from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoffConfig(AppConfig):
    name = "payoff"
    verbose_name = _("Payoff")

    def ready(self):
        from payoff.reminders import register_kinds

        register_kinds()
