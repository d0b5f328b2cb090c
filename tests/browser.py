"""Headless chromium (Debian's package) driven by Playwright; no browser download ever."""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if IN_CI:
        pytest.fail("CI must run browser tests: install Debian's chromium (.ci/run does)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


@contextmanager
def browser_page(*, locale: str = "vi-VN", width: int = 1400, height: int = 900):
    # Playwright's sync API runs an event loop in this thread; the ORM calls Django's test
    # fixtures make between steps are synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
            page = context.new_page()
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def page_errors(page) -> list[str]:
    """The page's console errors and uncaught exceptions, collected into the returned list as they happen."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def demo_load(provinces: str) -> None:
    """The reference data and the demo of `provinces` (seed_demo's --provinces), quietly."""
    from django.core.management import call_command

    call_command("load_reference_data", verbosity=0)
    call_command("seed_demo", provinces=provinces, stdout=open(os.devnull, "w"))  # noqa: SIM115


@contextmanager
def demo_dashboard(base_url: str, username: str, *, width: int = 1366, height: int = 768):
    """A demo user (the demo password) signed in, on the dashboard: the page and its errors (`page_errors`)."""
    from reports.demo import demo_password

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page(width=width, height=height) as page:
        errors = page_errors(page)
        log_in(page, base_url, username, demo_password())
        page.goto(f"{base_url}/")
        yield page, errors
