from django.urls import path

from officers.views import activities, assignments, referrals

app_name = "officers"

urlpatterns = [
    # Officers, assignments and coverage
    path("officers/", assignments.officer_list, name="officer_list"),
    path("officers/<int:pk>/", assignments.officer_detail, name="officer_detail"),
    path("officers/<int:pk>/profile/", assignments.profile_edit, name="profile_edit"),
    path("officers/<int:pk>/photo/", assignments.officer_photo, name="officer_photo"),
    path("assignments/", assignments.assignment_list, name="assignment_list"),
    path("assignments/new/", assignments.assignment_create, name="assignment_create"),
    path("assignments/<int:pk>/", assignments.assignment_edit, name="assignment_edit"),
    path("coverage/", assignments.coverage, name="coverage"),
    # The activity log
    path("log/", activities.activity_week, name="activity_week"),
    path("log/new/", activities.activity_create, name="activity_create"),
    path("log/all/", activities.activity_list, name="activity_list"),
    path("log/<int:pk>/", activities.activity_edit, name="activity_edit"),
    path("log/<int:pk>/delete/", activities.activity_delete, name="activity_delete"),
    # Students, community partners and referrals
    path("students/", referrals.student_list, name="student_list"),
    path("students/new/", referrals.student_create, name="student_create"),
    path("students/<int:pk>/", referrals.student_detail, name="student_detail"),
    path("students/<int:pk>/edit/", referrals.student_edit, name="student_edit"),
    path("partners/", referrals.partner_list, name="partner_list"),
    path("partners/new/", referrals.partner_create, name="partner_create"),
    path("partners/<int:pk>/", referrals.partner_edit, name="partner_edit"),
    path("referrals/", referrals.referral_list, name="referral_list"),
    path("referrals/new/", referrals.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", referrals.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/follow-up/", referrals.referral_update, name="referral_update"),
]
