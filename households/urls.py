from django.urls import path

from households import views

app_name = "households"

urlpatterns = [
    path("", views.household_list, name="index"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("access-log/", views.personal_data_log, name="access-log"),
]
