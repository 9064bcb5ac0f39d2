"""allauth adapters: closed signup, and TOTP secrets encrypted at rest."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Signup is closed: people join through an agency admin's invitation
        (accounts.views.invitation_accept), never through allauth's signup form."""
        return False


def _fernet() -> MultiFernet:
    # The first key encrypts; every key decrypts, so keys can be rotated.
    return MultiFernet([Fernet(key) for key in settings.MFA_ENCRYPTION_KEYS])


class MFAAdapter(DefaultMFAAdapter):
    PREFIX = "fernet:"

    def encrypt(self, text: str) -> str:
        return self.PREFIX + _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(self.PREFIX):
            raise ValueError("An MFA secret is stored without encryption.")
        try:
            return _fernet().decrypt(encrypted_text.removeprefix(self.PREFIX).encode()).decode()
        except InvalidToken as error:
            raise ValueError("MFA_ENCRYPTION_KEYS cannot decrypt an MFA secret.") from error

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """While MFA is required, the last TOTP or security key cannot be removed."""
        if not settings.MFA_REQUIRED or authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return True
        others = (
            Authenticator.objects.filter(user_id=authenticator.user_id)
            .exclude(pk=authenticator.pk)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
        )
        return others.exists()
