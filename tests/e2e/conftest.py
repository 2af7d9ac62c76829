"""Browser tests: Playwright drives Debian's Chromium against a live server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import need

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright for the session (its sync API allows no second one at a time):
    the shared browser below, and any browser a module launches with its own flags."""
    need(bool(shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)), f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server, request):
    # A tablet in landscape: the size the clinic's screens are built for.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1180, "height": 820}, has_touch=True
    )
    context.set_default_timeout(10_000)
    # expect() waits as long as an action does (its own default is 5 s): a page the
    # machine is slow to answer under a full test run is not a failure.
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def demo_data(transactional_db):
    """The demo clinic (``seed_demo``): its people, patients and past treatments."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def login(page, email: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture(autouse=True)
def _migration_rows(request):
    """Browser tests flush the database after each test, and the rows that data
    migrations loaded (reference data, consent text v1) go with it: load them again
    before each test (idempotent), so no test depends on running first."""
    if not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("transactional_db")
    from charting.demo.treatments import ensure_consent_text
    from planning.demo import ensure_reference_data

    ensure_reference_data()
    ensure_consent_text()
