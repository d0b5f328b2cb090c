"""Spreadsheet imports of allocations and of disbursement reports, as jobs on the one import core (spreadsheets/).

* `columns.py`: the budget sheets' columns (spreadsheets.headers.Column), their budget-only parsers (source,
  capital type, entry kind, project code) and the blank template.
* `rows.py`: every row checked against budgets.rules (the same rules as budgets.services), in row order, against
  the database *plus the rows above it*; then the writes, set-based. Whole or nothing.
* `pipeline.py`: `budget_import_create` (scope, role, size; the file kept; the task queued after commit) and
  `budget_import_process` (the worker's side: queued → running → committed or rejected).
* `selectors.py`, `api.py`: scoped reads and the `/api/v1/budget-imports/` endpoints.

The page is budgets.views (`/budgets/import/`), the task budgets.tasks, the command `manage.py import_budgets`.
"""
