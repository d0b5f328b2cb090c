from django.urls import path

from households.importing import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="index"),
    path("template.xlsx", views.review_template, name="template"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/progress/", views.import_progress, name="progress"),
    path("<int:pk>/annotated.xlsx", views.import_annotated, name="annotated"),
    path("<int:pk>/file", views.import_original, name="original"),
    path("<int:pk>/revert/", views.import_revert, name="revert"),
]
