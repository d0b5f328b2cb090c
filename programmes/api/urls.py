from django.urls import path

from programmes.api import views

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="api-projects"),
    path("targets/", views.TargetListView.as_view(), name="api-targets"),
]
