"""ImportReplacedReview keeps the replaced review in typed columns instead of one JSON document (`data`): the
importer copies the reviews it deletes with one INSERT … SELECT (to_jsonb of 100,000 rows and their insertion
took 3 s), and a revert copies them back the same way. Rows kept before are converted."""

import datetime

import django.utils.timezone
from django.db import migrations, models

# The columns a kept review had in `data` (HouseholdReview's), `id` becoming review_id.
COPIED = (
    "commune_id", "kind", "review_date", "standard_id", "area", "income_per_capita", "members", "deprivations",
    "deprivation_count", "classification", "declared_classification", "is_mismatch", "transition",
    "is_newly_escaped", "reason", "import_batch_id", "created_at", "updated_at",
)


def data_to_columns(apps, schema_editor):
    kept_model = apps.get_model("households", "ImportReplacedReview")
    kept = list(kept_model.objects.all())
    for row in kept:
        data = row.data
        row.review_id = data["id"]
        for name in COPIED:
            value = data.get(name)
            if name in ("created_at", "updated_at") and value:
                value = datetime.datetime.fromisoformat(value)
            elif name == "review_date" and value:
                value = datetime.date.fromisoformat(value)
            elif name in ("declared_classification", "reason") and value is None:
                value = ""
            elif name in ("is_mismatch", "is_newly_escaped"):
                value = bool(value)
            elif name == "deprivations" and value is None:
                value = []
            setattr(row, name, value)
    kept_model.objects.bulk_update(kept, ["review_id", *COPIED], batch_size=1000)


def columns_to_data(apps, schema_editor):
    kept_model = apps.get_model("households", "ImportReplacedReview")
    kept = list(kept_model.objects.all())
    for row in kept:
        data = {"id": row.review_id, "household_id": row.household_id, "year": row.year}
        for name in COPIED:
            value = getattr(row, name)
            data[name] = value.isoformat() if hasattr(value, "isoformat") else value
        row.data = data
    kept_model.objects.bulk_update(kept, ["data"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("households", "0007_import_fewer_index_writes"),
    ]

    operations = [
        migrations.AlterField(model_name="importreplacedreview", name="data", field=models.JSONField(null=True)),
        migrations.AddField(model_name="importreplacedreview", name="review_id",
                            field=models.BigIntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name="importreplacedreview", name="commune_id",
                            field=models.BigIntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name="importreplacedreview", name="kind",
                            field=models.CharField(default="periodic", max_length=8), preserve_default=False),
        migrations.AddField(model_name="importreplacedreview", name="review_date",
                            field=models.DateField(blank=True, null=True)),
        migrations.AddField(model_name="importreplacedreview", name="standard_id",
                            field=models.BigIntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name="importreplacedreview", name="area",
                            field=models.CharField(default="", max_length=5), preserve_default=False),
        migrations.AddField(model_name="importreplacedreview", name="income_per_capita",
                            field=models.BigIntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name="importreplacedreview", name="members",
                            field=models.PositiveSmallIntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name="importreplacedreview", name="deprivations",
                            field=models.JSONField(blank=True, default=list)),
        migrations.AddField(model_name="importreplacedreview", name="deprivation_count",
                            field=models.PositiveSmallIntegerField(default=0), preserve_default=False),
        migrations.AddField(model_name="importreplacedreview", name="classification",
                            field=models.CharField(default="", max_length=10), preserve_default=False),
        migrations.AddField(model_name="importreplacedreview", name="declared_classification",
                            field=models.CharField(blank=True, max_length=10, default=""), preserve_default=False),
        migrations.AddField(model_name="importreplacedreview", name="is_mismatch",
                            field=models.BooleanField(default=False)),
        migrations.AddField(model_name="importreplacedreview", name="transition",
                            field=models.CharField(blank=True, max_length=10, null=True)),
        migrations.AddField(model_name="importreplacedreview", name="is_newly_escaped",
                            field=models.BooleanField(default=False)),
        migrations.AddField(model_name="importreplacedreview", name="reason",
                            field=models.TextField(blank=True, default=""), preserve_default=False),
        migrations.AddField(model_name="importreplacedreview", name="import_batch_id",
                            field=models.BigIntegerField(blank=True, null=True)),
        migrations.AddField(model_name="importreplacedreview", name="created_at",
                            field=models.DateTimeField(default=django.utils.timezone.now), preserve_default=False),
        migrations.AddField(model_name="importreplacedreview", name="updated_at",
                            field=models.DateTimeField(default=django.utils.timezone.now), preserve_default=False),
        migrations.RunPython(data_to_columns, columns_to_data),
        migrations.RemoveField(model_name="importreplacedreview", name="data"),
    ]
