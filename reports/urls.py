from django.urls import path

from reports import views, views_exports

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", views_exports.index, name="index"),
    path("reports/exports/summary.xlsx", views_exports.summary_download, name="export-summary"),
    path("reports/exports/disbursement.xlsx", views_exports.disbursement_download, name="export-disbursement"),
    path("reports/exports/households/", views_exports.household_export, name="export-households"),
    path("reports/exports/jobs/<int:pk>/", views_exports.job_detail, name="export-job"),
    path("reports/exports/jobs/<int:pk>/status/", views_exports.job_status, name="export-job-status"),
    path("reports/exports/jobs/<int:pk>/download/", views_exports.job_download, name="export-job-download"),
    path("reports/anomalies/", views.anomalies, name="anomalies"),
]
