from django.contrib import admin

from programmes.models import (
    Achievement,
    HouseholdGroupTotal,
    Indicator,
    IndicatorTarget,
    PlanDocument,
    PovertyModel,
    PovertyTarget,
    Programme,
    Project,
    SubProject,
)


class SubProjectInline(admin.TabularInline):
    model = SubProject
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "start_year", "end_year", "structure_confidence"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "programme", "confidence"]
    list_filter = ["programme"]
    inlines = [SubProjectInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit_of_measure", "project", "aggregation"]


@admin.register(PovertyTarget)
class PovertyTargetAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "group", "entered_as", "target_reduction_points", "target_rate", "status"]
    list_filter = ["year", "group", "status"]
    raw_id_fields = ["unit", "cascaded_from", "updated_by"]
    readonly_fields = [
        "baseline_rate", "baseline_source", "baseline_poor", "baseline_total_households", "target_total_households",
        "households_to_exit", "actual_rate", "actual_source", "estimated_rate", "status", "computed_at",
    ]


for model in (IndicatorTarget, Achievement, HouseholdGroupTotal, PovertyModel, PlanDocument):
    admin.site.register(model, raw_id_fields=["unit", "updated_by"])
