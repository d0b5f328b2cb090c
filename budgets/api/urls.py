from django.urls import path

from budgets.api import views

urlpatterns = [
    path("stats/disbursement/", views.DisbursementStatsView.as_view(), name="api-stats-disbursement"),
]
