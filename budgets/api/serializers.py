"""Input and output serializers of the budgets API (plain serializers: the selectors compute, nothing writes)."""

from rest_framework import serializers

from budgets.selectors import Figures, Progress


class DisbursementStatsInputSerializer(serializers.Serializer):
    unit = serializers.RegexField(r"^\d{2}$|^\d{3}$|^\d{5}$", help_text="Mã đơn vị (GSO): 2, 3 hoặc 5 chữ số.")
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="Năm kế hoạch.")


class FiguresSerializer(serializers.Serializer):
    """Whole VND (integers); `rate` = disbursed / (allocated + carried_over) × 100, 2 decimals, null over 0."""

    allocated = serializers.IntegerField()
    carried_over = serializers.IntegerField()
    available = serializers.IntegerField()
    disbursed = serializers.IntegerField()
    carried_out = serializers.IntegerField()
    remaining = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=9, decimal_places=2, coerce_to_string=False, allow_null=True)


class ProjectFiguresSerializer(FiguresSerializer):
    code = serializers.CharField()
    name = serializers.CharField()
    by_source = serializers.DictField(child=FiguresSerializer())
    by_capital_type = serializers.DictField(child=FiguresSerializer())


class UnitFiguresSerializer(FiguresSerializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    is_own = serializers.BooleanField(help_text="Các dòng vốn của chính đơn vị (không gồm đơn vị cấp dưới).")


class MonthSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    disbursed = serializers.IntegerField()
    cumulative = serializers.IntegerField()
    plan_cumulative = serializers.IntegerField()
    plan_percent = serializers.DecimalField(max_digits=9, decimal_places=2, coerce_to_string=False)


class CounterpartSerializer(serializers.Serializer):
    central = serializers.IntegerField()
    local = serializers.IntegerField()
    ratio = serializers.DecimalField(max_digits=9, decimal_places=2, coerce_to_string=False, allow_null=True)
    required = serializers.DecimalField(max_digits=9, decimal_places=2, coerce_to_string=False)
    is_below = serializers.BooleanField()


class FlaggedLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.CharField()
    project = serializers.CharField()
    source = serializers.CharField()
    capital_type = serializers.CharField()
    origin_year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["behind", "overdue"])
    deadline = serializers.DateField()
    amount = serializers.IntegerField()
    disbursed = serializers.IntegerField()
    remaining = serializers.IntegerField()


class DisbursementStatsOutputSerializer(FiguresSerializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    by_source = serializers.DictField(child=FiguresSerializer())
    by_capital_type = serializers.DictField(child=FiguresSerializer())
    by_project = ProjectFiguresSerializer(many=True)
    by_unit = UnitFiguresSerializer(many=True)
    by_month = MonthSerializer(many=True)
    counterpart = CounterpartSerializer()
    flags = FlaggedLineSerializer(many=True)


def _figures(figures: Figures) -> dict:
    return figures.as_dict()


def progress_output(progress: Progress) -> dict:
    """The plain data the output serializer renders."""
    return {
        "unit": progress.unit.code,
        "unit_name": progress.unit.name,
        "year": progress.year,
        "as_of": progress.today,
        **_figures(progress.total),
        "by_source": {key: _figures(value) for key, value in progress.by_source.items()},
        "by_capital_type": {key: _figures(value) for key, value in progress.by_capital_type.items()},
        "by_project": [
            {
                "code": row.project.code, "name": row.project.name, **_figures(row.figures),
                "by_source": {key: _figures(value) for key, value in row.by_source.items()},
                "by_capital_type": {key: _figures(value) for key, value in row.by_capital_type.items()},
            }
            for row in progress.by_project
        ],
        "by_unit": [
            {"code": row.unit.code, "name": row.unit.name, "level": row.unit.level, "is_own": row.is_own,
             **_figures(row.figures)}
            for row in progress.by_unit
        ],
        "by_month": [
            {"month": row.month, "disbursed": row.disbursed, "cumulative": row.cumulative,
             "plan_cumulative": row.plan_cumulative, "plan_percent": row.plan_percent}
            for row in progress.by_month
        ],
        "counterpart": {
            "central": progress.counterpart.central, "local": progress.counterpart.local,
            "ratio": progress.counterpart.ratio, "required": progress.counterpart.required,
            "is_below": progress.counterpart.is_below,
        },
        "flags": [
            {
                "id": flag.allocation.pk, "unit": flag.allocation.unit.code, "project": flag.allocation.project_code,
                "source": flag.allocation.source, "capital_type": flag.allocation.capital_type,
                "origin_year": flag.allocation.origin_year, "status": flag.status.status,
                "deadline": flag.status.deadline, "amount": flag.allocation.amount_vnd,
                "disbursed": flag.allocation.disbursed_vnd, "remaining": flag.allocation.remaining_vnd,
            }
            for flag in progress.flags
        ],
    }
