from django.urls import path

from schools import views

app_name = "schools"

urlpatterns = [
    path("schools/", views.school_list, name="school_list"),
    path("schools/new/", views.school_create, name="school_create"),
    path("schools/import/", views.school_import, name="school_import"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school_edit"),
    path("boards/", views.board_list, name="board_list"),
    path("boards/new/", views.board_create, name="board_create"),
    path("boards/<int:pk>/", views.board_edit, name="board_edit"),
    path("drills/", views.drill_list, name="drill_list"),
    path("drills/new/", views.drill_create, name="drill_create"),
    path("drills/<int:pk>/", views.drill_detail, name="drill_detail"),
    path("drills/<int:pk>/edit/", views.drill_edit, name="drill_edit"),
    path("drills/<int:pk>/record/", views.drill_record, name="drill_record"),
    path("drills/<int:pk>/cancel/", views.drill_cancel, name="drill_cancel"),
    path("drills/<int:pk>/actions/", views.corrective_action_add, name="corrective_action_add"),
    path("actions/<int:pk>/done/", views.corrective_action_done, name="corrective_action_done"),
    path("compliance/", views.compliance_matrix, name="compliance"),
]
