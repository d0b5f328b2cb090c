from django.urls import path

from households import views

app_name = "households"

urlpatterns = [
    path("", views.index, name="index"),
    path("imports/", views.imports, name="imports"),
]
