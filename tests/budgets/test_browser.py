"""The budget overview in headless chromium: both ECharts charts draw from the static file under the CSP."""

import re

import pytest

from budgets.demo import budgets_demo_create
from programmes.services import programme_structure_load
from provinces.models import Role
from tests.browser import ARTIFACTS, browser_page, log_in, page_errors
from tests.factories import TEST_PASSWORD, ProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_overview_draws_the_charts(live_server, units):
    programme_structure_load()
    budgets_demo_create()
    ProfileFactory(user__username="so_ls", role=Role.PROVINCIAL_STAFF, unit=units["other_province"])
    with browser_page() as page:
        errors = page_errors(page)
        log_in(page, live_server.url, "so_ls", TEST_PASSWORD)
        page.goto(f"{live_server.url}/budgets/?unit=20&year=2023")
        page.wait_for_selector("#budget-projects-chart svg")
        page.wait_for_selector("#budget-monthly-chart svg")
        assert page.get_by_test_id("allocated").inner_text() == "344.961,000"  # million đồng, three decimals everywhere
        assert page.locator("#budget-projects-chart svg path").count() > 10
        page.screenshot(path=str(ARTIFACTS / "budgets-overview.png"), full_page=True)
    assert errors == []


def test_a_rejected_budget_import_as_the_clerk_sees_it(live_server, world, tmp_path):
    """Provincial staff upload a capital-plan workbook with errors through the page: the job page shows the
    outcome in Vietnamese with the rows Excel shows and the marked copy to download, on a desk and on a phone
    (docs/screenshots/budget-import-rejected.png, phone-budget-import.png)."""
    from tests.budgets.test_import import ALLOCATION_HEADERS, BAD_ALLOCATIONS, workbook
    from tests.test_browser_layout import DESKTOP, PHONE, SCREENSHOTS

    path = workbook(tmp_path / "ke-hoach-von-2023.xlsx", ALLOCATION_HEADERS, BAD_ALLOCATIONS)
    with browser_page(width=DESKTOP[0], height=DESKTOP[1]) as page:
        log_in(page, live_server.url, "so_bk", TEST_PASSWORD)
        page.goto(f"{live_server.url}/budgets/import/")
        form = page.get_by_test_id("import-form")
        form.locator("input[type=file]").set_input_files(str(path))
        form.locator("button[type=submit]").first.click()
        page.get_by_test_id("import-rejected").wait_for(timeout=60_000)
        rows = page.get_by_test_id("import-errors").locator("tbody tr")
        assert rows.count() >= 6
        assert rows.first.locator("td").first.inner_text() == "4"  # the row number Excel shows
        assert page.get_by_test_id("annotated-download").is_visible()
        text = page.locator("main").inner_text()
        assert not re.search(r"\b(rejected|committed|allocations|disbursements|None)\b", text)
        page.screenshot(path=str(SCREENSHOTS / "budget-import-rejected.png"))
        job_url = page.url
    with browser_page(width=PHONE[0], height=PHONE[1]) as page:
        log_in(page, live_server.url, "so_bk", TEST_PASSWORD)
        page.goto(job_url)
        message = page.get_by_test_id("import-errors").locator("tbody tr td").last
        box = message.bounding_box()
        assert message.is_visible() and box["x"] >= 0
        page.screenshot(path=str(SCREENSHOTS / "phone-budget-import.png"))
