from django.urls import path

from payoff.views import agreements, check_ins

app_name = "payoff"

urlpatterns = [
    path("payoff/", agreements.agreement_list, name="list"),
    path("payoff/new/", agreements.agreement_create, name="create"),
    path("payoff/<int:pk>/", agreements.agreement_detail, name="detail"),
    path("payoff/<int:pk>/edit/", agreements.agreement_edit, name="edit"),
    path("payoff/<int:pk>/tasks/", agreements.task_add, name="task_add"),
    path("payoff/tasks/<int:pk>/remove/", agreements.task_remove, name="task_remove"),
    path("payoff/<int:pk>/consent/", agreements.consent, name="consent"),
    path("payoff/<int:pk>/statement/", agreements.statement, name="statement"),
    path("payoff/<int:pk>/activate/", agreements.activate, name="activate"),
    path("payoff/<int:pk>/sessions/", agreements.session_add, name="session_add"),
    path("payoff/<int:pk>/complete/", agreements.complete, name="complete"),
    path("payoff/<int:pk>/not-completed/", agreements.not_completed, name="not_completed"),
    path("payoff/<int:pk>/withdraw/", agreements.withdraw, name="withdraw"),
    path("payoff/<int:pk>/print/", agreements.print_agreement, name="print"),
    path("payoff/<int:pk>/progress-card/", agreements.progress_card, name="progress_card"),
    path("payoff/check-ins/", check_ins.check_in_list, name="check_ins"),
    path("payoff/check-ins/<int:pk>/", check_ins.check_in_detail, name="check_in"),
    path("payoff/re-offence/", check_ins.reoffence_rates, name="rates"),
]
