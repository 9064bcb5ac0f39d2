from sro_portal.reminders.selectors import unread_count


def notifications(request):
    """The unread count in the navigation bar (one indexed count per page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.agency_id is None:
        return {}
    return {"unread_notifications": unread_count(user)}
