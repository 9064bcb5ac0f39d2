"""Team management (agency admins) and invitation acceptance (the invitee, not signed in)."""

from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sro_portal.accounts import selectors, services
from sro_portal.accounts.decorators import recent_authentication_required, role_required
from sro_portal.accounts.forms import (
    AcceptInvitationForm,
    AgencySettingsForm,
    InvitationForm,
    MemberForm,
)
from sro_portal.accounts.models import Invitation, Role
from sro_portal.core.ratelimit import rate_limit


@role_required(Role.ADMIN)
def team_list(request):
    members = selectors.member_qs_for(request.user).order_by("-is_active", "full_name", "email")
    invitations = selectors.invitation_qs_for(request.user).filter(
        accepted_at__isnull=True, revoked_at__isnull=True
    )
    return render(
        request,
        "accounts/team_list.html",
        {"members": members, "invitations": invitations},
    )


@role_required(Role.ADMIN)
@recent_authentication_required(methods=("POST",))
def invitation_create(request):
    form = InvitationForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=request.user,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                schools=form.cleaned_data["schools"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("accounts:team")
    return render(
        request,
        "accounts/invitation_form.html",
        {"form": form, "valid_days": settings.INVITATION_VALID_DAYS},
    )


def _act_and_return_to_team(request, action, success_message: str):
    """Run a one-click action (a service call); report its outcome as a message."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success_message)
    return redirect("accounts:team")


@require_POST
def invitation_resend(request, pk):
    invitation = selectors.invitation_get(actor=request.user, pk=pk)
    return _act_and_return_to_team(
        request,
        lambda: services.invitation_resend(actor=request.user, invitation=invitation),
        _("A new link was sent to %(email)s.") % {"email": invitation.email},
    )


@require_POST
def invitation_revoke(request, pk):
    invitation = selectors.invitation_get(actor=request.user, pk=pk)
    return _act_and_return_to_team(
        request,
        lambda: services.invitation_revoke(actor=request.user, invitation=invitation),
        _("The invitation to %(email)s was revoked.") % {"email": invitation.email},
    )


@recent_authentication_required(methods=("POST",))
def member_edit(request, pk):
    member = selectors.member_get(actor=request.user, pk=pk)
    form = MemberForm(request.POST or None, actor=request.user, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(
                actor=request.user,
                member=member,
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                schools=form.cleaned_data["schools"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Changes to %(name)s saved.") % {"name": member})
            return redirect("accounts:team")
    return render(request, "accounts/member_form.html", {"member": member, "form": form})


@require_POST
@recent_authentication_required
def member_deactivate(request, pk):
    member = selectors.member_get(actor=request.user, pk=pk)
    return _act_and_return_to_team(
        request,
        lambda: services.member_deactivate(actor=request.user, member=member),
        _("%(name)s was deactivated and signed out everywhere.") % {"name": member},
    )


@require_POST
@recent_authentication_required
def member_reactivate(request, pk):
    member = selectors.member_get(actor=request.user, pk=pk)
    return _act_and_return_to_team(
        request,
        lambda: services.member_reactivate(actor=request.user, member=member),
        _("%(name)s can sign in again.") % {"name": member},
    )


@role_required(Role.ADMIN)
def agency_settings(request):
    agency = request.user.agency
    # Before the form: a bound form writes the typed values (maybe impossible ones) on `agency`.
    year = agency.school_year_for(agency.today())
    form = AgencySettingsForm(request.POST or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_settings_update(
                actor=request.user, agency=agency, changes=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Agency settings saved."))
            return redirect("accounts:agency_settings")
    return render(request, "accounts/agency_settings.html", {"form": form, "year": year})


@login_not_required
@never_cache
@rate_limit("token")
def invitation_accept(request, token):
    invitation = selectors.invitation_for_token(token)
    if invitation is None:
        return _invitation_refused(request, reason="invalid", status=404)
    if not invitation.is_open:
        return _invitation_refused(request, reason=invitation.status, status=410)
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except services.InvitationUnavailable:
            return _invitation_refused(request, reason=Invitation.Status.ACCEPTED, status=410)
        if request.user.is_authenticated:
            logout(request)
        messages.success(
            request,
            _("Welcome. One more step: protect your account with two-factor authentication."),
        )
        # Sign in through allauth, recording that the password was just given: enrolling in MFA
        # needs a recent authentication, and asking for the new password again would be absurd.
        record_authentication(
            request, user, method="password", email=user.email, reauthenticated=True
        )
        return perform_login(request, user, redirect_url=reverse("dashboards:home"))
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
    )


def _invitation_refused(request, *, reason: str, status: int):
    return render(request, "accounts/invitation_refused.html", {"reason": reason}, status=status)
