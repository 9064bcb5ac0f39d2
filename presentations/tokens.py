"""The feedback link's token: the feedback row's key, signed with SECRET_KEY.

The key is a random UUID stored on the row; the signature means a token cannot be made up
without the secret. The row, not the token, says whether the link is still open (answered_at,
expires_at), so the token can be rebuilt whenever the link is sent.
"""

import uuid

from django.core import signing

_SALT = "presentations.feedback"
MAX_TOKEN_LENGTH = 200


def feedback_token(feedback) -> str:
    return signing.dumps(feedback.key.hex, salt=_SALT)


def feedback_key_from_token(token: str) -> uuid.UUID | None:
    """The key a well-formed, genuine token carries; None for anything else."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        return uuid.UUID(hex=signing.loads(token, salt=_SALT))
    except (signing.BadSignature, ValueError, TypeError):
        return None
