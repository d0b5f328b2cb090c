"""Read-only admin views of the budget tables: every write goes through budgets.services (entries are never
edited or deleted, and the line counters must stay equal to their entries)."""

from django.contrib import admin

from budgets.models import Allocation, AllocationEntry, BudgetImport, Disbursement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["fiscal_year", "origin_year", "unit", "project", "subproject", "source", "capital_type",
                    "amount_vnd", "disbursed_vnd", "carried_out_vnd"]
    list_filter = ["fiscal_year", "source", "capital_type"]
    list_select_related = ["unit", "project", "subproject"]
    search_fields = ["unit__code", "project__code", "subproject__code"]


@admin.register(AllocationEntry)
class AllocationEntryAdmin(ReadOnlyAdmin):
    list_display = ["allocation", "kind", "amount_vnd", "legal_basis_number", "legal_basis_date", "recorded_by"]
    list_filter = ["kind"]
    list_select_related = ["allocation__unit", "allocation__project", "allocation__subproject", "recorded_by"]


@admin.register(Disbursement)
class DisbursementAdmin(ReadOnlyAdmin):
    list_display = ["allocation", "disbursed_on", "amount_vnd", "document", "recorded_by"]
    list_select_related = ["allocation__unit", "allocation__project", "allocation__subproject", "recorded_by"]


@admin.register(BudgetImport)
class BudgetImportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "status", "original_name", "rows", "created", "uploaded_by"]
    list_filter = ["kind", "status"]
