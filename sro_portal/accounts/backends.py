from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend


class AuthenticationBackend(AllauthBackend):
    """allauth's email login, loading the user's agency in the same query on every request
    (the agency's time zone and scope are needed on every page)."""

    def get_user(self, user_id):
        user = self._default_manager().select_related("agency").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user):
        """Users of an agency the platform has switched off cannot sign in, nor stay signed in."""
        agency_active = user.agency_id is None or user.agency.is_active
        return super().user_can_authenticate(user) and agency_active

    @staticmethod
    def _default_manager():
        from django.contrib.auth import get_user_model

        return get_user_model()._default_manager
