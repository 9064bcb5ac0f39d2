from django.urls import path

from sro_portal.accounts import language, views

app_name = "accounts"

urlpatterns = [
    path("team/", views.team_list, name="team"),
    path("agency/", views.agency_settings, name="agency_settings"),
    path("language/", language.language_settings, name="language"),
    path("team/invite/", views.invitation_create, name="invite"),
    path("team/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("team/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("team/<int:pk>/", views.member_edit, name="member_edit"),
    path("team/<int:pk>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path("team/<int:pk>/reactivate/", views.member_reactivate, name="member_reactivate"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
