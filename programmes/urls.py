from django.urls import path

from programmes.views import indicators, overview, plans, poverty_models, targets

app_name = "programmes"

urlpatterns = [
    path("", overview.index, name="index"),
    path("targets/", targets.targets, name="targets"),
    path("targets/new/", targets.target_create, name="target-create"),
    path("targets/recompute/", targets.targets_recompute, name="targets-recompute"),
    path("targets/<int:pk>/", targets.target_detail, name="target"),
    path("targets/<int:pk>/edit/", targets.target_edit, name="target-edit"),
    path("targets/<int:pk>/delete/", targets.target_delete, name="target-delete"),
    path("targets/<int:pk>/cascade/", targets.target_cascade, name="target-cascade"),
    path("targets/<int:pk>/group-total/", targets.group_total_set, name="target-group-total"),
    path("indicators/", indicators.indicators, name="indicators"),
    path("indicators/targets/new/", indicators.indicator_target_create, name="indicator-target-create"),
    path("indicators/achievements/new/", indicators.achievement_create, name="achievement-create"),
    path("models/", poverty_models.models_list, name="models"),
    path("models/new/", poverty_models.model_create, name="model-create"),
    path("models/<int:pk>/", poverty_models.model_detail, name="model"),
    path("models/<int:pk>/edit/", poverty_models.model_edit, name="model-edit"),
    path("plans/", plans.plans_list, name="plans"),
    path("plans/new/", plans.plan_create, name="plan-create"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", plans.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/file/", plans.plan_file, name="plan-file"),
]
