"""The leadership dashboard in headless chromium, on the demo data of Bắc Kạn built the real way (reference units
from the packages, `seed_demo --provinces 06`: reviews imported through the pipeline, targets, budgets, then the
aggregate recompute). Cards and canvas charts render under the CSP, the table view switches, a click on a district
drills down, the map draws, the anomaly list opens; screenshots go to docs/screenshots/."""

from pathlib import Path

import pytest
from django.core.management import call_command

from provinces.models import end_of_year
from provinces.selectors import units_in_force
from reports.aggregates import recompute_all
from reports.demo import demo_password
from tests.browser import browser_page, log_in
from tests.households.factories import HouseholdFactory, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def bac_kan_demo(monkeypatch):
    call_command("load_reference_data", verbosity=0)
    call_command("seed_demo", provinces="06", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_leadership_dashboard_drill_down_map_and_anomalies(live_server, bac_kan_demo):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    errors = []
    with browser_page(width=1440, height=1000) as page:
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, live_server.url, "lanhdao_backan", demo_password())
        page.goto(f"{live_server.url}/")
        cards = page.get_by_test_id("cards")
        cards.wait_for()
        assert page.get_by_test_id("poverty-rate").inner_text() == "22,25%"  # Bắc Kạn end of 2023
        assert "24,71%" in page.get_by_test_id("card-poverty").inner_text()  # end of 2022
        page.wait_for_selector("#chart-children canvas")
        page.wait_for_selector("#chart-map canvas")
        page.wait_for_selector("#chart-trend canvas")
        page.wait_for_selector("#chart-projects canvas")
        assert page.get_by_test_id("table-children").is_hidden()
        page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

        page.get_by_test_id("mode-table").click()
        assert page.get_by_test_id("table-children").is_visible()
        assert page.locator("#chart-children").is_hidden()
        assert "Huyện Na Rì" in page.get_by_test_id("table-children").inner_text()
        page.get_by_test_id("mode-chart").click()
        assert page.locator("#chart-children canvas").is_visible()

        # Drill down: click Na Rì's bar (its position on the category axis, read from the chart).
        box = page.locator("#chart-children").bounding_box()
        point = page.evaluate(
            """() => {
                const chart = echarts.getInstanceByDom(document.getElementById('chart-children'));
                const data = JSON.parse(document.getElementById('dashboard-data').textContent);
                const index = data.children.findIndex(c => c.code === '066');
                const [x, y] = chart.convertToPixel({seriesIndex: 0}, [index, data.children[index].rate / 2]);
                return {x, y};
            }"""
        )
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        page.wait_for_url("**unit=066**")
        page.get_by_test_id("breadcrumbs").get_by_text("Tỉnh Bắc Kạn").wait_for()
        assert page.get_by_test_id("poverty-rate").inner_text() == "32,81%"  # Na Rì end of 2023
        page.wait_for_selector("#chart-map canvas")
        page.screenshot(path=str(SCREENSHOTS / "dashboard-drill-down.png"), full_page=True)

        page.get_by_test_id("anomalies-link").click()
        page.wait_for_url("**/reports/anomalies/**")
        page.get_by_test_id("anomalies-filter").wait_for()

        # A commune re-checks: 12 households its list calls near-poor score as middle (a mismatch each).
        commune = units_in_force(on=end_of_year(2023)).filter(level="commune", parent__code="061").order_by("code")[0]
        for n in range(12):
            record(HouseholdFactory(commune=commune, code=f"KT-{n:03d}"), 2023, "middle",
                   declared_classification="near_poor")
        recompute_all(year=2023, reason="test")
        page.goto(f"{live_server.url}/reports/anomalies/?unit=06&year=2023")
        row = page.locator(f"tr[data-commune='{commune.code}'][data-rule='mismatches']")
        assert "12 hộ" in row.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "anomalies.png"), full_page=True)
        row.get_by_test_id("households-link").click()
        page.wait_for_url("**/households/**mismatch=1**")
        page.get_by_text("KT-000").wait_for()
        body = page.content()
    assert errors == []
    assert "Người Thử" not in body  # the household list shows leadership codes, never names
