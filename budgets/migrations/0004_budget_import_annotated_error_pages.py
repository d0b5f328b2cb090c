"""A rejected budget import keeps every error (pages 2, 3, … in BudgetImportErrorPage rows, as the review import's
ImportErrorPage) and its annotated copy (spreadsheets.jobs.SpreadsheetJob.annotated, spreadsheets.annotate)."""

import django.db.models.deletion
import spreadsheets.jobs
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('budgets', '0003_budget_import_job'),
    ]

    operations = [
        migrations.AddField(
            model_name='budgetimport',
            name='annotated',
            field=models.FileField(blank=True, max_length=300, upload_to=spreadsheets.jobs.job_annotated_path, verbose_name='bản sao có đánh dấu'),
        ),
        migrations.CreateModel(
            name='BudgetImportErrorPage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('entries', models.JSONField(default=list)),
                ('job', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='error_pages', to='budgets.budgetimport')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('job', 'number'), name='budget_import_error_page_unique')],
            },
        ),
    ]
