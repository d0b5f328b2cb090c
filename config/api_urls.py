"""Every app's API under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("provinces.api.urls")),
    path("", include("households.api.urls")),
    path("", include("households.importing.api_urls")),
    path("", include("households.cycle_api")),
    path("", include("programmes.api.urls")),
    path("", include("budgets.api.urls")),
    path("", include("reports.api")),
    path("", include("reports.api_analysis")),
    path("", include("reports.api_publications")),
]
