"""The access matrix: which role may do what to which resource, as data (docs/access-matrix.md is generated from it).

Two rules apply everywhere, and this table only holds the second:

1. Scope. Every row (household, review, import, target, allocation, disbursement, unit) is reached through a scoped
   selector that starts from the user's unit subtree (`provinces.selectors.units_visible_to`). A row outside the
   scope looks exactly like a missing one: 404 for a page or an API detail, absent from a list. The matrix never
   widens the scope.
2. Role. Inside the scope, `allowed(role, resource, action)` says whether the role may act: ALLOW, MASKED (allowed,
   with household names and ID numbers masked) or DENY (403 for an in-scope row; the import selectors, for
   leadership, act as if the rows did not exist: 404).

This module is pure: it knows roles, never users. Who the caller is and what their role is comes from the
request's viewer (`provinces.viewer.Viewer`, built once per request), whose `may(resource, action)` asks
`allowed()`. The selectors and services ask the viewer (households.importing.selectors.may_upload/may_revert and
import_batches_visible_to, provinces.selectors.units_manageable_by, households.selectors.may_see_personal_data and
config.audit.may_see_history); the API views add `config.permissions.MatrixPermission`, which reads the viewer.
tests/security/test_access_matrix.py is generated from `MATRIX` and tries every cell through the pages and the API.
"""

from enum import StrEnum


class Access(StrEnum):
    ALLOW = "allow"
    MASKED = "masked"  # allowed; names and ID numbers masked (leadership: aggregates only)
    DENY = "deny"


class Resource(StrEnum):
    HOUSEHOLDS = "households"
    REVIEWS = "reviews"
    IMPORTS = "imports"
    TARGETS = "targets"
    ALLOCATIONS = "allocations"
    DISBURSEMENTS = "disbursements"
    BUDGET_IMPORTS = "budget_imports"  # spreadsheets of allocations or disbursements, as jobs
    UNITS = "units"
    PERSONAL_DATA_LOG = "personal_data_log"
    HISTORY = "history"
    REVIEW_STATUS = "review_status"  # the annual review cycle of a unit-year (docs/domain.md §10)
    PUBLICATIONS = "publications"  # a province-year's published figures


class Action(StrEnum):
    LIST = "list"
    DETAIL = "detail"
    EXPORT = "export"
    CREATE = "create"  # uploads, new lines
    UPDATE = "update"
    DELETE = "delete"
    STATUS = "status"  # an import's status and errors
    ERROR_REPORT = "error_report"  # an import's annotated workbook and original file
    REVERT = "revert"
    SUBMIT = "submit"  # a unit "chốt" its year's review
    APPROVE = "approve"
    RETURN = "return"  # back to the unit, with a comment
    PUBLISH = "publish"  # a province-year, with the decision's number and date
    REOPEN = "reopen"  # a published province-year, with a reason


# provinces.models.Role values (plain strings, so that this module imports without Django set up).
ROLES = ("district_officer", "provincial_staff", "leadership", "admin")
A, M, D = Access.ALLOW, Access.MASKED, Access.DENY

# resource → action → (district_officer, provincial_staff, leadership, admin)
_TABLE: dict[Resource, dict[Action, tuple[Access, Access, Access, Access]]] = {
    Resource.HOUSEHOLDS: {
        Action.LIST: (A, A, M, A),
        Action.DETAIL: (A, A, M, A),
        Action.EXPORT: (A, A, M, A),
        Action.UPDATE: (D, D, D, D),  # households change only through an import (audited by its ImportBatch)
        Action.DELETE: (D, D, D, D),
    },
    Resource.REVIEWS: {
        Action.LIST: (A, A, M, A),
        Action.UPDATE: (D, D, D, D),
        Action.DELETE: (D, D, D, D),
    },
    Resource.IMPORTS: {
        # Error lists and workbooks carry the spreadsheet's names and ID numbers: not for leadership.
        Action.LIST: (A, A, D, A),
        Action.STATUS: (A, A, D, A),
        Action.ERROR_REPORT: (A, A, D, A),
        Action.CREATE: (A, A, D, A),
        Action.REVERT: (D, A, D, A),
        Action.DELETE: (D, D, D, D),
    },
    Resource.TARGETS: {
        Action.LIST: (A, A, A, A),
        Action.DETAIL: (A, A, A, A),
        Action.UPDATE: (D, A, D, A),
        Action.DELETE: (D, A, D, A),
    },
    Resource.ALLOCATIONS: {
        Action.LIST: (A, A, A, A),
        Action.DETAIL: (A, A, A, A),
        Action.EXPORT: (A, A, A, A),  # aggregate figures, no personal data
        Action.UPDATE: (D, A, D, A),
        Action.DELETE: (D, D, D, D),  # entries are never deleted: a correction is another adjustment
    },
    Resource.DISBURSEMENTS: {
        Action.LIST: (A, A, A, A),
        Action.DETAIL: (A, A, A, A),  # shown on their allocation line's page
        Action.CREATE: (D, A, D, A),
        Action.DELETE: (D, D, D, D),  # a correction is a negative disbursement
    },
    Resource.BUDGET_IMPORTS: {
        # Writes allocations and disbursements (their update/create cells); a job's errors quote the file only.
        Action.LIST: (D, A, D, A),
        Action.STATUS: (D, A, D, A),
        Action.CREATE: (D, A, D, A),
    },
    Resource.UNITS: {
        Action.LIST: (A, A, A, A),
        Action.DETAIL: (A, A, A, A),
        Action.UPDATE: (D, A, D, A),  # programme flags, household totals
    },
    Resource.PERSONAL_DATA_LOG: {
        Action.LIST: (D, A, D, A),
    },
    Resource.HISTORY: {
        Action.DETAIL: (D, A, D, A),  # who changed what and when, on each object's page
    },
    Resource.REVIEW_STATUS: {
        Action.DETAIL: (A, A, A, A),  # the state of a unit-year, its units' states and completeness
        Action.SUBMIT: (A, A, D, A),  # an officer for their own unit; staff for any unit of the province
        Action.APPROVE: (D, A, D, A),
        Action.RETURN: (D, A, D, A),
    },
    Resource.PUBLICATIONS: {
        Action.LIST: (A, A, A, A),  # the published versions and their figures (aggregates only)
        Action.PUBLISH: (D, A, D, A),
        Action.REOPEN: (D, A, D, A),
    },
}

MATRIX: dict[tuple[str, str, str], Access] = {
    (role, resource.value, action.value): row[index]
    for resource, actions in _TABLE.items()
    for action, row in actions.items()
    for index, role in enumerate(ROLES)
}


def allowed(role: str | None, resource: str, action: str) -> Access:
    """The matrix cell; DENY for a missing role or an unknown cell (deny by default)."""
    if role is None:
        return Access.DENY
    return MATRIX.get((str(role), str(resource), str(action)), Access.DENY)


def markdown() -> str:
    """docs/access-matrix.md (tests/security/test_access_matrix.py checks the file matches)."""
    lines = [
        "# Access matrix",
        "",
        "Generated from `config/access.py` (`.venv/bin/python -m config.access > docs/access-matrix.md`).",
        "",
        "Every cell applies **within the user's scope** (their unit and the units below it). Rows outside the scope",
        "look missing: 404 on a page or an API detail, absent from lists. `masked`: allowed, with household names and",
        "ID numbers masked. `deny`: 403 (404 for imports, which leadership does not see at all).",
        "ID numbers are shown unmasked only on the household page.",
        "",
        "| resource | action | " + " | ".join(ROLES) + " |",
        "|---|---|" + "---|" * len(ROLES),
    ]
    for resource, actions in _TABLE.items():
        for action, row in actions.items():
            lines.append(f"| {resource.value} | {action.value} | " + " | ".join(cell.value for cell in row) + " |")
    lines += [
        "",
        "## Where it is enforced",
        "",
        "- Scope: the selectors (`households/selectors.py`, `households/importing/selectors.py`,",
        "  `programmes/selectors.py`, `budgets/selectors.py`, `provinces/selectors.py`); pages and APIs never query",
        "  those tables directly.",
        "- Role: `config.access.allowed()`, asked through the request's viewer (`provinces.viewer.Viewer.may`, built",
        "  once per request) by the selectors (`may_upload`, `may_revert`, `import_batches_visible_to`,",
        "  `units_manageable_by`, which `may_manage` of programmes and budgets uses) and by the DRF permission",
        "  class `config.permissions.MatrixPermission` on the API views.",
        "- The review cycle (`review_status`, `publications`): `households.cycle` (submit, approve, return) and",
        "  `reports.publications` (publish, reopen) ask the viewer's `may()` for every transition and check the",
        "  unit is in the caller's scope; a transition the data's state does not allow is a 409 naming who did",
        "  what and when.",
        "  Every transition is recorded (`households.ReviewTransition`: who, when, from, to, comment or reason).",
        "- Test: `tests/security/test_access_matrix.py` tries every cell through the pages and the API for two",
        "  districts of one province and a district of another.",
        "",
        "## Personal data and audit",
        "",
        "- Every household page view and every household-list export is recorded (`households.PersonalDataAccess`:",
        "  who, role, when, which household or unit, how many rows); provincial staff and administrators read the",
        "  records of their scope at `/households/access-log/`.",
        "- Who changed what and when on households, reviews, targets, allocations and disbursements is kept by",
        "  django-simple-history and shown, as a field-by-field diff, on the household, target and allocation pages",
        "  to the roles with `history`/`detail`.",
        "- Spreadsheet imports write in bulk (COPY/bulk_create, set-based DELETE) without per-row history: the",
        "  import record (`ImportBatch`, `BudgetImport`: who, when, file name, SHA-256, counts, and the snapshots",
        "  that make a revert exact) is the audit of those changes.",
        "",
        "## The Django admin",
        "",
        "Households, reviews and imports are not in the Django admin, and no role opens it: it is the system",
        "account's tool for national reference data and operations.",
        "",
        "- Who: only a superuser without a profile (the deployment's own account, made with `createsuperuser`), whose",
        "  scope is the whole country anyway. Every role, `admin` included, is created by `add_user` and",
        "  `seed_demo` without `is_staff` or `is_superuser`, and `config/admin.py` refuses any user with a profile",
        "  whatever those flags say (administrators made superusers by earlier versions get no wider view).",
        "  Administrators do their work on the app's pages: imports and reverts, targets, budgets, units, the",
        "  household pages and the personal-data log, all scoped to their province by the selectors.",
        "- Why not a scoped admin: the admin reads whole tables in many places besides the change page (the list,",
        "  its search and filters, the history page, raw-id pop-ups, autocomplete, delete confirmations). Each would",
        "  need the selectors' scope, leadership's masking and the personal-data log: a second copy of what the",
        "  household pages, the household list and the import pages already do, for a read-only view that gives",
        "  administrators nothing those pages do not. One way in is easier to keep right than two.",
        "- What stays registered: tables without household names or ID numbers (poverty standards, the programme",
        "  catalogue, targets, budget tables read-only, users, API tokens, login attempts, second-factor devices,",
        "  periodic tasks). django-simple-history's tables are not registered: history is shown on the app's pages",
        "  to the roles with `history`/`detail`.",
        "- Test: `tests/security/test_admin_scope.py` (a Bắc Kạn administrator, flagged superuser as earlier",
        "  versions made it, finds no Hà Tĩnh household in `/admin/`, by page or search; no household table is",
        "  registered; what an administrator sees of a household is in the personal-data log).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
