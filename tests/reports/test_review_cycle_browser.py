"""The review cycle on the pages, in headless chromium (issue 17): the officer submits on the import page, staff
return it with a comment on the completeness page, the officer sees the comment, re-imports and submits again, staff
approve every district and publish; the dashboard then says the figures are official."""

import pytest

from households import cycle
from households.importing.services import import_batch_create
from tests import DATA
from tests.browser import ARTIFACTS, browser_page, log_in
from tests.factories import TEST_PASSWORD
from tests.households.conftest import na_ri, standards  # noqa: F401  (fixtures)
from tests.households.test_review_cycle import workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, base, username, TEST_PASSWORD)


def test_submit_return_approve_publish_on_the_pages(live_server, na_ri, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.core.files.uploadedfile import SimpleUploadedFile

    sample = DATA / "review-2023-066-600.xlsx"
    import_batch_create(uploaded_file=SimpleUploadedFile(sample.name, sample.read_bytes()), year=2023,
                        acting_user=na_ri["officer"], original_name=sample.name)
    cycle.unit_review_submit(unit=na_ri["units"]["061"], year=2023, acting_user=na_ri["other"])
    base = live_server.url
    with browser_page() as page:
        # The officer "chốt" on the import page.
        _as(page, base, "canbo_nari")
        page.goto(f"{base}/imports/?year=2023")
        assert page.get_by_test_id("review-state").get_attribute("data-state") == "open"
        page.get_by_test_id("review-submit").click()
        page.get_by_test_id("review-state").wait_for()
        assert page.get_by_test_id("review-state").get_attribute("data-state") == "submitted"

        # Staff return it with a comment.
        _as(page, base, "so_bk")
        page.goto(f"{base}/review/?unit=06&year=2023")
        assert "2/2 huyện đã chốt" in page.get_by_test_id("review-completeness").inner_text()
        page.get_by_test_id("return-comment-066").fill("Thiếu hộ SUA-1 ở xã Kim Hỷ")
        page.get_by_test_id("return-066").click()
        page.locator("tr[data-unit='066'][data-state='returned']").wait_for()
        page.screenshot(path=str(ARTIFACTS / "review-returned.png"), full_page=True)

        # The officer sees the comment, re-imports and submits again.
        _as(page, base, "canbo_nari")
        page.goto(f"{base}/imports/?year=2023")
        assert "Thiếu hộ SUA-1" in page.get_by_test_id("review-returned-comment").inner_text()
        fix = workbook(tmp_path / "sua.xlsx", [("SUA-1", 1_000_000, "Hộ nghèo")])
        page.set_input_files("input[name=file]", str(fix))
        page.fill("input[name=year]", "2023")
        page.get_by_role("button", name="Tải lên và kiểm tra").click()
        page.locator("[data-testid=import-progress][data-progress='100']").wait_for()
        page.goto(f"{base}/imports/?year=2023")
        page.get_by_test_id("review-submit").click()
        page.locator("[data-testid=review-state][data-state='submitted']").wait_for()

        # Staff approve both districts and publish.
        _as(page, base, "so_bk")
        page.goto(f"{base}/review/?unit=06&year=2023")
        for code in ("066", "061"):
            page.get_by_test_id(f"approve-{code}").click()
            page.locator(f"tr[data-unit='{code}'][data-state='approved']").wait_for()
        page.fill("#decision-number", "1234/QĐ-UBND")
        page.fill("#decision-date", "2023-12-15")
        page.get_by_test_id("publish").click()
        page.get_by_test_id("reopen-form").wait_for()
        assert page.get_by_test_id("review-own-state").get_attribute("data-state") == "published"
        label = page.get_by_test_id("figures-label").inner_text()
        assert "Số liệu chính thức (QĐ số 1234/QĐ-UBND ngày 15/12/2023)" in label
        page.screenshot(path=str(ARTIFACTS / "review-published.png"), full_page=True)

        # Leadership land on it, marked official.
        _as(page, base, "lanhdao_bk")
        page.goto(f"{base}/")
        assert page.get_by_test_id("figures-mark").first.get_attribute("data-official") == "true"
