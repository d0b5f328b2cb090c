from django.urls import path

from households.api import views

urlpatterns = [
    path("classify/", views.ClassifyView.as_view(), name="api-classify"),
    path("reviews/", views.ReviewListView.as_view(), name="api-reviews"),
]
