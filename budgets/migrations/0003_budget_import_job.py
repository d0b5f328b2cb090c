"""BudgetImport becomes a job on the import core (spreadsheets.jobs.SpreadsheetJob): queued and running states,
progress, the kept file, counts and the first page of errors. Earlier imports (committed or rejected in the
request) keep their rows: renamed fields, progress 100, their entries counted as written."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F

import spreadsheets.jobs


def earlier_imports_finished(apps, schema_editor):
    BudgetImport = apps.get_model("budgets", "BudgetImport")
    BudgetImport.objects.update(progress=100, rows_written=F("created"), finished_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('budgets', '0002_history'),
        ('provinces', '0002_vietnamese_collation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name='budgetimport', old_name='file_name', new_name='original_name'),
        migrations.RenameField(model_name='budgetimport', old_name='uploaded_at', new_name='created_at'),
        migrations.AlterModelOptions(
            name='budgetimport',
            options={'ordering': ['-created_at', '-pk'], 'verbose_name': 'lần nhập bảng tính ngân sách', 'verbose_name_plural': 'lần nhập bảng tính ngân sách'},
        ),
        migrations.AddField(
            model_name='budgetimport',
            name='error_count',
            field=models.PositiveIntegerField(default=0, verbose_name='số lỗi'),
        ),
        migrations.AddField(
            model_name='budgetimport',
            name='file',
            field=models.FileField(blank=True, max_length=300, upload_to=spreadsheets.jobs.job_upload_path, verbose_name='tệp'),
        ),
        migrations.AddField(
            model_name='budgetimport',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='budgetimport',
            name='progress',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='tiến độ (%)'),
        ),
        migrations.AddField(
            model_name='budgetimport',
            name='rejected_reason',
            field=models.TextField(blank=True, verbose_name='lý do từ chối'),
        ),
        migrations.AddField(
            model_name='budgetimport',
            name='rows_rejected',
            field=models.PositiveIntegerField(default=0, verbose_name='số dòng lỗi'),
        ),
        migrations.AddField(
            model_name='budgetimport',
            name='rows_written',
            field=models.PositiveIntegerField(default=0, verbose_name='số dòng đã ghi'),
        ),
        migrations.AddField(
            model_name='budgetimport',
            name='size_bytes',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='budgetimport',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='budgetimport',
            name='updated',
            field=models.PositiveIntegerField(default=0, verbose_name='số dòng kế hoạch vốn đã có được cập nhật'),
        ),
        migrations.AddField(
            model_name='budgetimport',
            name='warnings',
            field=models.JSONField(blank=True, default=list, verbose_name='cảnh báo'),
        ),
        migrations.AlterField(
            model_name='budgetimport',
            name='sha256',
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AlterField(
            model_name='budgetimport',
            name='status',
            field=models.CharField(choices=[('queued', 'Đang chờ'), ('running', 'Đang xử lý'), ('rejected', 'Bị từ chối'), ('committed', 'Đã nhập'), ('reverted', 'Đã hoàn tác')], default='queued', max_length=10, verbose_name='trạng thái'),
        ),
        migrations.AlterField(
            model_name='budgetimport',
            name='uploaded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='người tải lên'),
        ),
        migrations.AddIndex(
            model_name='budgetimport',
            index=models.Index(fields=['unit', '-created_at'], name='budget_import_unit_idx'),
        ),
        migrations.RunPython(earlier_imports_finished, migrations.RunPython.noop),
    ]
