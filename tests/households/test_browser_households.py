"""In a real browser: the household list filters and the household page's chart (ECharts, no inline script)."""

import pytest

from tests.browser import ARTIFACTS, browser_page, log_in, page_errors
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_filters_the_list_and_opens_a_household_with_its_chart(live_server, registry):
    with browser_page() as page:
        errors = page_errors(page)
        log_in(page, live_server.url, "canbo_nari", TEST_PASSWORD)
        page.goto(f"{live_server.url}/households/")
        rows = page.get_by_test_id("household-row")
        assert rows.count() == 2
        page.screenshot(path=str(ARTIFACTS / "households-list.png"), full_page=True)
        page.fill("#id_q", "nguyen van an")
        page.get_by_role("button", name="Lọc").click()
        page.wait_for_load_state("networkidle")
        assert page.get_by_test_id("household-row").count() == 1
        page.get_by_role("link", name="KH-001").click()
        page.wait_for_load_state("networkidle")
        assert "Nguyễn Văn An" in page.get_by_test_id("household-title").inner_text()
        chart = page.get_by_test_id("deprivation-chart")
        chart.locator("svg").first.wait_for()
        assert chart.bounding_box()["height"] > 200
        assert page.get_by_test_id("timeline-item").count() == 2
        page.screenshot(path=str(ARTIFACTS / "households-detail.png"), full_page=True)
        assert errors == []


def test_leadership_sees_masked_names_in_the_browser(live_server, registry):
    with browser_page() as page:
        log_in(page, live_server.url, "lanhdao_bk", TEST_PASSWORD)
        page.goto(f"{live_server.url}/households/")
        names = page.get_by_test_id("head-name").all_inner_texts()
        assert names and all("*" in name for name in names)
        assert "Nguyễn" not in page.content()
