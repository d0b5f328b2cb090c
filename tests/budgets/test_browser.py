"""The budget overview in headless chromium: both ECharts charts draw from the static file under the CSP."""

import pytest

from budgets.demo import budgets_demo_create
from programmes.services import programme_structure_load
from provinces.models import Role
from tests.browser import ARTIFACTS, browser_page, log_in
from tests.factories import TEST_PASSWORD, ProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_overview_draws_the_charts(live_server, units):
    programme_structure_load()
    budgets_demo_create()
    ProfileFactory(user__username="so_ls", role=Role.PROVINCIAL_STAFF, unit=units["other_province"])
    errors = []
    with browser_page() as page:
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, live_server.url, "so_ls", TEST_PASSWORD)
        page.goto(f"{live_server.url}/budgets/?unit=20&year=2023")
        page.wait_for_selector("#budget-projects-chart svg")
        page.wait_for_selector("#budget-monthly-chart svg")
        assert page.get_by_test_id("allocated").inner_text() == "344.961,000"  # million đồng, three decimals everywhere
        assert page.locator("#budget-projects-chart svg path").count() > 10
        page.screenshot(path=str(ARTIFACTS / "budgets-overview.png"), full_page=True)
    assert errors == []
