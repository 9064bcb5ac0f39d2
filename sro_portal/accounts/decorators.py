from functools import wraps

from django.core.exceptions import PermissionDenied


def role_required(*roles):
    """Let in only agency users of these roles (403 for the others).

    For pages that show no particular object. Pages about one object find it through a selector,
    which answers 404 to anyone who may not see it, whatever the reason.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated or user.agency_id is None or user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
