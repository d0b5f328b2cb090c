from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", views.index, name="index"),
    path("reports/anomalies/", views.anomalies, name="anomalies"),
]
