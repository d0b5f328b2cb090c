from django.urls import path

from budgets import views
from budgets.importing import views as import_views

app_name = "budgets"

urlpatterns = [
    path("", views.index, name="index"),
    path("allocations/", views.allocations, name="allocations"),
    path("allocations/new/", views.allocation_create, name="allocation-create"),
    path("allocations/<int:pk>/", views.allocation_detail, name="allocation"),
    path("allocations/<int:pk>/adjust/", views.allocation_adjust, name="allocation-adjust"),
    path("allocations/<int:pk>/carry-over/", views.allocation_carry_over, name="allocation-carry-over"),
    path("allocations/<int:pk>/distribute/", views.allocation_distribute, name="allocation-distribute"),
    path("allocations/<int:pk>/disburse/", views.disbursement_create, name="disbursement-create"),
    path("disbursements/", views.disbursements, name="disbursements"),
    path("import/", import_views.import_view, name="import"),
    path("import/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("import/<int:pk>/progress/", import_views.import_progress, name="import-progress"),
    path("import/<int:pk>/annotated.xlsx", import_views.import_annotated, name="import-annotated"),
    path("import/template/<slug:kind>.xlsx", import_views.import_template, name="import-template"),
    path("export.xlsx", views.export, name="export"),
]
