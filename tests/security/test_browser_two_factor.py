"""In headless chromium: the lock-out page after five wrong passwords, and TOTP enrolment then the second step at
the next login, under the production CSP (the QR code is a data: image; no console CSP violations)."""

import base64

import pytest
from django_otp.oath import totp

from tests.browser import ARTIFACTS, browser_page, log_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(secret_text: str, drift: int = 0) -> str:
    key = base64.b32decode(secret_text.replace(" ", ""))
    return f"{totp(key, step=30, t0=0, digits=6, drift=drift):06d}"


def test_five_wrong_passwords_show_the_lock_out_page(live_server, people):
    with browser_page() as page:
        for _attempt in range(5):
            log_in(page, live_server.url, "canbo_nari", "sai-mat-khau")
        assert "Tài khoản tạm bị khóa đăng nhập" in page.get_by_test_id("locked-out").inner_text()
        log_in(page, live_server.url, "canbo_nari", TEST_PASSWORD)
        assert page.get_by_test_id("locked-out").is_visible()
        page.screenshot(path=str(ARTIFACTS / "security-locked-out.png"))


def test_enrol_then_the_next_login_asks_for_the_code(live_server, people):
    with browser_page() as page:
        violations = []
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        log_in(page, live_server.url, "so_bk", TEST_PASSWORD)
        page.goto(f"{live_server.url}/households/")
        page.get_by_test_id("user-menu").click()  # the user's menu holds the language and two-step links
        page.get_by_test_id("otp-link").click()
        page.wait_for_url("**/accounts/otp/enrol/")
        qr = page.get_by_test_id("otp-qr")
        assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", qr.element_handle())
        secret = page.get_by_test_id("otp-secret").inner_text()
        page.screenshot(path=str(ARTIFACTS / "security-otp-enrol.png"))
        page.fill("input[name=token]", _code(secret))
        page.click("form[data-testid=otp-enrol] button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        assert "Đã bật xác thực hai bước" in page.content()

        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_url("**/accounts/login/")
        log_in(page, live_server.url, "so_bk", TEST_PASSWORD)
        page.goto(f"{live_server.url}/households/")
        assert "/accounts/otp/verify/" in page.url
        page.fill("input[name=token]", _code(secret, drift=1))  # the enrolment used this step's code
        page.click("form[data-testid=otp-verify] button[type=submit]")
        page.wait_for_url("**/households/")
        assert page.locator("h1").first.is_visible()
        assert violations == []
