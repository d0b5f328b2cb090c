"""Excel exports of the reports app.

* `summary`: the summary of review results by unit (districts and communes with subtotals), from
  `PovertyAggregate` only;
* `disbursement`: funds and disbursement by project × source (and by month), from `DisbursementAggregate` only;
* `households`: the household list of a unit and year, scoped to the user, names only for roles that may see
  them (ID numbers never: only the household page shows them), streamed row by row (large: run as an
  `ExportJob` through Celery, see `jobs`).

Every workbook is written with XlsxWriter (`workbook.new_workbook`): strings are never turned into formulas,
numbers or URLs, and every text from the database goes through `write_string`.
"""
