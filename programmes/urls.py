from django.urls import path

from programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.index, name="index"),
    path("targets/", views.targets, name="targets"),
    path("targets/new/", views.target_create, name="target-create"),
    path("targets/recompute/", views.targets_recompute, name="targets-recompute"),
    path("targets/<int:pk>/", views.target_detail, name="target"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target-edit"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target-delete"),
    path("targets/<int:pk>/cascade/", views.target_cascade, name="target-cascade"),
    path("targets/<int:pk>/group-total/", views.group_total_set, name="target-group-total"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/targets/new/", views.indicator_target_create, name="indicator-target-create"),
    path("indicators/achievements/new/", views.achievement_create, name="achievement-create"),
    path("models/", views.models_list, name="models"),
    path("models/new/", views.model_create, name="model-create"),
    path("models/<int:pk>/", views.model_detail, name="model"),
    path("models/<int:pk>/edit/", views.model_edit, name="model-edit"),
    path("plans/", views.plans_list, name="plans"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/file/", views.plan_file, name="plan-file"),
]
