from django.urls import path, re_path

from provinces.api import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("units/", views.UnitListView.as_view(), name="api-units"),
    re_path(r"^units/(?P<code>\d{2,5})/$", views.UnitDetailView.as_view(), name="api-unit"),
]
