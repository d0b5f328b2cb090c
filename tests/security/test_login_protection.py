"""Login protection: throttled failed logins (django-axes), session expiry, password rules, TOTP second factor."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD

LOGIN = "/accounts/login/"


def _login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="203.0.113.7", **extra)


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


@pytest.mark.django_db
def test_five_failed_logins_lock_the_account_with_a_vietnamese_page(client, people):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "canbo_nari", "sai-mat-khau")
        assert response.status_code == 200
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    response = _login(client, "canbo_nari", "sai-mat-khau")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Tài khoản tạm bị khóa đăng nhập" in page
    assert "15 phút" in page
    # Locked: even the right password is refused now, and no session is opened.
    response = _login(client, "canbo_nari", TEST_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="canbo_nari").failures_since_start >= settings.AXES_FAILURE_LIMIT


@pytest.mark.django_db
def test_lockout_is_per_username_and_address_and_a_success_resets_the_count(client, people):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "canbo_nari", "sai-mat-khau")
    # Another officer from the same office is not locked out by a colleague's typos.
    response = _login(client, "so_bk", TEST_PASSWORD)
    assert response.status_code == 302
    client.logout()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "canbo_babe", "sai-mat-khau")
    assert _login(client, "canbo_babe", TEST_PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="canbo_babe").exists()


@pytest.mark.django_db
def test_admin_login_is_throttled_too(client, people):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/admin/login/", {"username": "so_bk", "password": "sai"}, REMOTE_ADDR="203.0.113.8")
    assert response.status_code == 429


def test_sessions_expire_after_a_working_day_and_at_browser_close():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["12345678901", "password123", "ngan", "canbo_nari1"])
def test_weak_passwords_are_refused(people, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=people["officer"])


@pytest.mark.django_db
def test_a_strong_password_passes(people):
    validate_password("Ruong-bac-thang-2026!", user=people["officer"])


@pytest.mark.django_db
def test_without_a_device_login_goes_straight_through(client, people):
    response = _login(client, "so_bk", TEST_PASSWORD)
    assert response.status_code == 302
    assert client.get("/households/").status_code == 200


@pytest.mark.django_db
@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)  # django-otp slows retries after a wrong code; not under test here
def test_enrol_shows_a_qr_code_and_secret_and_a_valid_code_confirms_the_device(client, people):
    client.force_login(people["staff"])
    page = client.get("/accounts/otp/enrol/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    assert 'data-testid="otp-secret"' in html
    device = TOTPDevice.objects.get(user=people["staff"])
    assert device.confirmed is False
    wrong = client.post("/accounts/otp/enrol/", {"token": "000000" if _code(device) != "000000" else "111111"})
    assert "Mã không đúng" in wrong.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    response = client.post("/accounts/otp/enrol/", {"token": _code(device), "next": "/households/"})
    assert response.status_code == 302 and response["Location"] == "/households/"
    device.refresh_from_db()
    assert device.confirmed is True


@pytest.mark.django_db
def test_a_user_with_a_device_must_enter_a_code_after_the_password(client, people):
    device = TOTPDevice.objects.create(user=people["staff"], name="điện thoại", confirmed=True)
    response = _login(client, "so_bk", TEST_PASSWORD)
    assert response.status_code == 302
    # Pages and the session-authenticated API wait for the second step.
    page = client.get("/households/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/otp/verify/")
    api = client.get("/api/v1/reviews/")
    assert api.status_code == 403
    assert "xác thực hai bước" in api.json()["detail"]
    # Adding another device is not a way round the second step.
    assert client.get("/accounts/otp/enrol/")["Location"].startswith("/accounts/otp/verify/")
    wrong = client.post("/accounts/otp/verify/", {"token": "12ab56"})
    assert wrong.status_code == 200 and "6 chữ số" in wrong.content.decode()
    response = client.post("/accounts/otp/verify/", {"token": _code(device), "next": "/households/"})
    assert response.status_code == 302 and response["Location"] == "/households/"
    assert client.get("/households/").status_code == 200
    assert client.get("/api/v1/reviews/").status_code == 200


@pytest.mark.django_db
def test_verify_refuses_an_outside_next_url(client, people):
    device = TOTPDevice.objects.create(user=people["staff"], name="điện thoại", confirmed=True)
    _login(client, "so_bk", TEST_PASSWORD)
    response = client.post("/accounts/otp/verify/", {"token": _code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_token_api_calls_are_not_held_by_the_second_factor(client, people):
    from rest_framework.authtoken.models import Token

    TOTPDevice.objects.create(user=people["staff"], name="điện thoại", confirmed=True)
    token = Token.objects.create(user=people["staff"])
    response = client.get("/api/v1/reviews/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


@pytest.mark.django_db
@override_settings(OTP_REQUIRED=True)
def test_when_required_provincial_staff_must_enrol_but_district_officers_need_not(client, people):
    _login(client, "so_bk", TEST_PASSWORD)
    response = client.get("/households/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/enrol/")
    client.logout()
    _login(client, "canbo_nari", TEST_PASSWORD)
    assert client.get("/households/").status_code == 200
