"""Rate limits of the portal's own pages: searches, exports, token links and CSP reports.

Each limit counts hits in fixed windows in the cache (Redis in production), per client IP and
per person: the signed-in user, or, on a page without an account, the token in its address.
The client IP is the one allauth uses for failed sign-ins (ALLAUTH_TRUSTED_PROXY_COUNT), so a
forged X-Forwarded-For changes neither. Limits are set in settings.PORTAL_RATE_LIMITS.
"""

import hashlib
import time
from functools import wraps

from allauth.core.internal.ratelimit import get_ip
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render


def client_ip(request) -> str:
    """allauth's client IP (an IPv6 address cut to its /64, which one client may rotate within).
    From allauth's internals: the same address as its own limits, by construction."""
    return get_ip(request)


def _person(request, view_kwargs) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    token = view_kwargs.get("token")
    # Hashed: the cache is no place for a credential.
    return f"token:{hashlib.sha256(token.encode()).hexdigest()}" if token else None


def is_over_limit(request, action: str, view_kwargs: dict | None = None) -> bool:
    """Count this request against `action`'s limits; True once any of them is exceeded."""
    limits = settings.PORTAL_RATE_LIMITS[action]
    sources = {"ip": f"ip:{client_ip(request)}", "user": _person(request, view_kwargs or {})}
    over = False
    for per, (hits, seconds) in limits.items():
        if sources[per] is None:
            continue
        window = int(time.time() // seconds)
        key = f"portal-rl:{action}:{sources[per]}:{window}"
        # Every limit is counted, even past the first one exceeded: a stop at the first would
        # let a rotating user (or token) spend nothing of the IP's budget.
        over = _count(key, seconds) > hits or over
    return over


def _count(key: str, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the window's key expired between the two calls
        cache.set(key, 1, timeout=seconds)
        return 1


def too_many_requests(request, exception=None):
    """The 429 page: what happened and when to try again (allauth's sign-in limits use it too)."""
    response = render(request, "errors/429.html", status=429)
    response["Retry-After"] = "60"
    return response


def rate_limit(action: str, *, methods: tuple[str, ...] = ()):
    """Limit a view under `action` (only requests of `methods`, when given): 429 past it."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            counted = not methods or request.method in methods
            if counted and is_over_limit(request, action, kwargs):
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
