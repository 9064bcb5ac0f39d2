"""The Django admin is for platform staff: agencies and their first admin, and staff accounts.
It shows nothing inside an agency (no tenant model is registered; a test checks it)."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sro_portal import rls
from sro_portal.accounts import services
from sro_portal.accounts.models import Agency, User
from sro_portal.accounts.selectors import email_in_use


class AgencyAdminForm(forms.ModelForm):
    first_admin_email = forms.EmailField(
        label=_("First agency admin's email"),
        required=False,
        help_text=_("An invitation with the agency admin role is sent to this address."),
    )
    first_admin_name = forms.CharField(label=_("First agency admin's name"), required=False)

    class Meta:
        model = Agency
        fields = [
            "name",
            "slug",
            "time_zone",
            "default_language",  # the first admin's invitation goes out in it
            "school_year_start_month",
            "school_year_start_day",
            "second_term_start_month",
            "second_term_start_day",
            "school_year_end_month",
            "school_year_end_day",
            "is_active",
        ]

    def clean_first_admin_email(self):
        email = self.cleaned_data.get("first_admin_email", "")
        if email and email_in_use(email):
            raise forms.ValidationError(_("Someone already has an account with this email."))
        return email


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyAdminForm
    list_display = ["name", "slug", "time_zone", "is_active", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        email = form.cleaned_data.get("first_admin_email")
        if email:
            # Platform staff have no agency: the invitation (and its email, queued at commit)
            # belongs to this one, for the rest of the request (sro_portal/rls.py).
            rls.set_agency(obj.pk)
            services.invitation_create_first_admin(
                staff_user=request.user,
                agency=obj,
                email=email,
                full_name=form.cleaned_data.get("first_admin_name", ""),
            )
            messages.info(request, _("Invitation sent to %(email)s.") % {"email": email})


@admin.register(User)
class PlatformStaffAdmin(admin.ModelAdmin):
    """Platform staff accounts only; agency users are managed by their agency admins."""

    list_display = ["email", "full_name", "is_active", "is_superuser", "last_login"]
    fields = ["email", "full_name", "is_active", "is_superuser"]
    search_fields = ["email", "full_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(agency__isnull=True)

    def has_add_permission(self, request):
        # Staff accounts are made with `manage.py createsuperuser`, which sets a password.
        return False
