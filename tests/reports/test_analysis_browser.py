"""The analysis page in headless chromium on the Bắc Kạn demo (`seed_demo --provinces 06`, as the dashboard's
browser test): the province totals in the page, sorting, the chart and its PNG download, the phone width, and
a screenshot at 1366×768 to docs/screenshots/analysis.png."""


import pytest

from tests.browser import SCREENSHOTS, demo_dashboard, demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def bac_kan_demo():
    demo_load("06")


def test_staff_analyse_bac_kan_by_district(live_server, bac_kan_demo):
    with demo_dashboard(live_server.url, "so_backan") as (page, errors):
        page.get_by_test_id("nav-analysis").click()
        page.wait_for_url("**/analysis/**")
        page.select_option("#analysis-unit", "06")
        page.select_option("#analysis-level", "district")
        page.select_option("#analysis-from", "2021")
        page.select_option("#analysis-to", "2023")
        page.get_by_test_id("analysis-filter").get_by_role("button", name="Xem").click()
        page.wait_for_url("**unit=06**")
        totals = page.get_by_test_id("totals")
        assert [totals.get_by_test_id(f"total-{n}").inner_text() for n in range(3)] == ["26,93%", "24,71%", "22,25%"]
        na_ri = page.locator("tr[data-unit='066']")
        assert "36,44%" in na_ri.inner_text() and "32,81%" in na_ri.inner_text()
        page.wait_for_selector("#analysis-chart canvas")

        # Sort by 2023, highest first (two clicks): Pác Nặm leads; the totals row stays at the foot.
        header = page.locator("th[data-year='2023'] button.sort")
        header.click()
        header.click()
        assert header.get_attribute("aria-sort") == "descending"
        assert page.locator("#analysis-table tbody tr").first.get_attribute("data-unit") == "060"
        assert page.locator("#analysis-table tfoot tr").get_attribute("data-unit") == "06"
        page.screenshot(path=str(SCREENSHOTS / "analysis.png"))

        with page.expect_download() as download:
            page.get_by_test_id("export-png").click()
        assert download.value.suggested_filename == "phan-tich-06-2021-2023-poverty_rate.png"
        with page.expect_download() as download:
            page.get_by_test_id("export-xlsx").click()
        assert download.value.suggested_filename == "phan-tich-06-2021-2023-poverty_rate.xlsx"

        # Print: A4 landscape stylesheet hides the navigation and the form, shows the provisional mark.
        page.emulate_media(media="print")
        assert page.locator(".app-navbar").is_hidden()
        assert page.get_by_test_id("analysis-filter").is_hidden()
        assert page.get_by_test_id("print-header").is_visible()
        assert "Số liệu tạm tính" in page.get_by_test_id("provisional-mark").text_content()
        page.emulate_media(media="screen")

        # A phone: the page itself does not scroll sideways; the table's wrapper does.
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        page.get_by_test_id("totals").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        wrapper = "document.querySelector('.analysis-table-wrap')"
        assert page.evaluate(f"{wrapper}.scrollWidth >= {wrapper}.clientWidth")
    assert errors == []
