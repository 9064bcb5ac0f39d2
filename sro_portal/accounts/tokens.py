"""The invitation link's token: the invitation's key, signed with SECRET_KEY.

The key is a random UUID stored on the invitation; the signature means a token cannot be made
up without the secret, and a new key (on resend) voids every older link. No token is stored.
"""

import uuid

from django.core import signing

_SALT = "sro_portal.accounts.invitation"
MAX_TOKEN_LENGTH = 200


def invitation_token(invitation) -> str:
    return signing.dumps(invitation.key.hex, salt=_SALT)


def invitation_key_from_token(token: str) -> uuid.UUID | None:
    """The key a well-formed, genuine token carries; None for anything else."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        return uuid.UUID(hex=signing.loads(token, salt=_SALT))
    except (signing.BadSignature, ValueError, TypeError):
        return None
