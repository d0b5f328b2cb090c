from django.urls import path

from budgets.api import views
from budgets.importing import api as import_api

urlpatterns = [
    path("stats/disbursement/", views.DisbursementStatsView.as_view(), name="api-stats-disbursement"),
    path("budget-imports/", import_api.BudgetImportListCreateView.as_view(), name="api-budget-imports"),
    path("budget-imports/<int:pk>/", import_api.BudgetImportDetailView.as_view(), name="api-budget-import"),
]
