from django.urls import path

from households.importing import api

urlpatterns = [
    path("imports/", api.ImportListCreateView.as_view(), name="api-imports"),
    path("imports/<int:pk>/", api.ImportDetailView.as_view(), name="api-import-detail"),
    path("imports/<int:pk>/errors/", api.ImportErrorsView.as_view(), name="api-import-errors"),
]
