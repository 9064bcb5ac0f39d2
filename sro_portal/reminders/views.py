"""Notifications (each user's delivered reminders), reminder settings, and failed deliveries."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role
from sro_portal.reminders import selectors, services
from sro_portal.reminders.forms import ReminderSettingsForm

PAGE_SIZE = 25


@role_required(*Role.values)
def notification_list(request):
    page = Paginator(selectors.notification_qs_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "reminders/notification_list.html", {"page": page})


@require_POST
def notification_read(request, pk):
    reminder = selectors.notification_get(user=request.user, pk=pk)
    services.notification_mark_read(user=request.user, reminder=reminder)
    if request.htmx:
        reminder.refresh_from_db()
        return render(
            request,
            "reminders/notification_list.html#notification",
            {"reminder": reminder, "unread_notifications": selectors.unread_count(request.user)},
        )
    return redirect("reminders:list")


@require_POST
@role_required(*Role.values)
def notifications_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications marked as read."))
    return redirect("reminders:list")


@role_required(*Role.values)
def reminder_settings(request):
    preferences = services.settings_for(request.user)
    form = ReminderSettingsForm(request.POST or None, preferences=preferences)
    if request.method == "POST" and form.is_valid():
        try:
            services.reminder_settings_update(
                user=request.user,
                email_kinds=form.cleaned_data["email_kinds"],
                daily_digest=form.cleaned_data["daily_digest"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your reminder settings are saved."))
            return redirect("reminders:settings")
    return render(request, "reminders/reminder_settings.html", {"form": form})


@role_required(Role.ADMIN)
def failed_list(request):
    page = Paginator(selectors.failed_reminder_qs_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "reminders/failed_list.html", {"page": page})


@require_POST
def failed_retry(request, pk):
    reminder = selectors.failed_reminder_get(user=request.user, pk=pk)
    try:
        services.reminder_retry(actor=request.user, reminder=reminder)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The reminder will be sent again within a minute."))
    return redirect("reminders:failed")
