from django.urls import path

from incidents import views
from incidents.views import police, school

app_name = "incidents"

urlpatterns = [
    # Shared by police roles and school admins: each gets its own view.
    path("incidents/", views.incident_list, name="list"),
    path("incidents/<int:pk>/", views.incident_detail, name="detail"),
    # Police roles
    path("incidents/new/", police.incident_create, name="create"),
    path("incidents/<int:pk>/edit/", police.incident_edit, name="edit"),
    path("incidents/<int:pk>/status/", police.incident_status, name="status"),
    path("incidents/<int:pk>/people/", police.person_add, name="person_add"),
    path("incidents/people/<int:pk>/response/", police.person_response, name="person_response"),
    path("incidents/people/<int:pk>/remove/", police.person_remove, name="person_remove"),
    path("incidents/<int:pk>/follow-ups/", police.follow_up_add, name="follow_up_add"),
    path("incidents/follow-ups/<int:pk>/done/", police.follow_up_done, name="follow_up_done"),
    path("incidents/<int:pk>/disclose/", police.disclosure_create, name="disclosure_create"),
    path(
        "incidents/disclosures/<int:pk>/withdraw/",
        police.disclosure_withdraw,
        name="disclosure_withdraw",
    ),
    path("incidents/students/<int:pk>/", police.student_history, name="student_history"),
    path("incidents/overdue/", police.overdue, name="overdue"),
    # School admins
    path("incidents/disclosed-to-me/", school.disclosures_received, name="disclosures_received"),
]
