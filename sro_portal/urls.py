from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from sro_portal.core import views as core_views
from sro_portal.core.ratelimit import too_many_requests

# Admin sign-in goes through allauth (and so through MFA).
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "SRO Portal: platform administration"

urlpatterns = [
    path("", include("sro_portal.dashboards.urls")),
    path("", include("sro_portal.accounts.urls")),
    path("audit/", include("sro_portal.audit.urls")),
    path("notifications/", include("sro_portal.reminders.urls")),
    path("calendar/", include("sro_portal.calendars.urls")),
    path("", include("schools.urls")),
    path("", include("officers.urls")),
    path("", include("incidents.urls")),
    path("", include("payoff.urls")),
    path("", include("presentations.urls")),
    path("accounts/", include("allauth.urls")),
    # Switching language works before signing in too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
    # SECURE_CSP's report-uri.
    path("csp-report", core_views.csp_report, name="csp_report"),
    path("admin/", admin.site.urls),
]

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error
# Not a Django handler: allauth answers its sign-in limits with it (core.ratelimit's page).
handler429 = too_many_requests
