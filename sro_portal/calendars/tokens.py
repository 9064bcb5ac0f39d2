"""The calendar feed URL's token: the feed's key, signed with SECRET_KEY.

Same pattern as the invitation link (sro_portal.accounts.tokens): the key is a random UUID on
the feed row, the signature means no token can be made up without the secret, and a new key
voids every older URL. No token is stored. Tokens do not expire: a calendar app polls the same
URL for years; the user turns it off or replaces it instead.
"""

import uuid

from django.core import signing

_SALT = "sro_portal.calendars.feed"
MAX_TOKEN_LENGTH = 200


def feed_token(feed) -> str:
    # Signer, not signing.dumps: no timestamp, so the URL stays the same each time it is shown.
    return signing.Signer(salt=_SALT).sign(feed.key.hex)


def feed_key_from_token(token: str) -> uuid.UUID | None:
    """The key a well-formed, genuine token carries; None for anything else."""
    if not token or not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        return uuid.UUID(hex=signing.Signer(salt=_SALT).unsign(token))
    except (signing.BadSignature, ValueError, TypeError, AttributeError):
        return None
