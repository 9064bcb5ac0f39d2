from django.urls import path

from presentations.views import catalogue, feedback, talks

app_name = "presentations"

urlpatterns = [
    # Talks: request -> schedule -> deliver (or cancel)
    path("presentations/", talks.presentation_list, name="list"),
    path("presentations/request/", talks.presentation_request, name="request"),
    path("presentations/<int:pk>/", talks.presentation_detail, name="detail"),
    path("presentations/<int:pk>/schedule/", talks.presentation_schedule, name="schedule"),
    path("presentations/<int:pk>/deliver/", talks.presentation_deliver, name="deliver"),
    path("presentations/<int:pk>/cancel/", talks.presentation_cancel, name="cancel"),
    # The catalogue
    path("presentations/topics/", catalogue.topic_list, name="topics"),
    path("presentations/topics/new/", catalogue.topic_create, name="topic_create"),
    path("presentations/topics/standard/", catalogue.topics_add_standard, name="topics_standard"),
    path("presentations/topics/<int:pk>/", catalogue.topic_detail, name="topic"),
    path("presentations/topics/<int:pk>/edit/", catalogue.topic_edit, name="topic_edit"),
    path("presentations/topics/<int:pk>/materials/", catalogue.material_add, name="material_add"),
    path("presentations/materials/<int:pk>/", catalogue.material_download, name="material"),
    path(
        "presentations/materials/<int:pk>/delete/",
        catalogue.material_delete,
        name="material_delete",
    ),
    # Feedback: the one-time link (no account), and the results for supervisors
    path("presentations/feedback/", feedback.feedback_results, name="feedback_results"),
    path("presentations/feedback/<str:token>/", feedback.feedback_form, name="feedback"),
]
