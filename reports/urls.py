from django.urls import path

from reports import views, views_analysis, views_cycle, views_exports

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
    path("review/", views_cycle.review_completeness, name="review"),
    path("review/submit/", views_cycle.review_submit, name="review-submit"),
    path("review/approve/", views_cycle.review_approve, name="review-approve"),
    path("review/return/", views_cycle.review_return, name="review-return"),
    path("review/publish/", views_cycle.publication_publish, name="review-publish"),
    path("review/publications/<int:pk>/reopen/", views_cycle.publication_reopen, name="review-reopen"),
    path("analysis/", views_analysis.analysis_page, name="analysis"),
    path("analysis/export.xlsx", views_analysis.analysis_export_xlsx, name="analysis-export-xlsx"),
    path("analysis/export.csv", views_analysis.analysis_export_csv, name="analysis-export-csv"),
    path("analysis/saved/", views_analysis.saved_view_create, name="analysis-save"),
    path("analysis/saved/<int:pk>/", views_analysis.saved_view_open, name="analysis-saved"),
    path("analysis/saved/<int:pk>/delete/", views_analysis.saved_view_delete, name="analysis-saved-delete"),
]
