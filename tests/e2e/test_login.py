import pytest
from playwright.sync_api import expect

from clinic.demo import DEMO_PASSWORD
from clinic.patients import chart_number_for

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("email", "role", "menu", "hidden"),
    [
        ("injector@demo.clinic", "Injector", ["Home", "Patients"], ["Admin site"]),
        ("frontdesk@demo.clinic", "Front desk", ["Home", "Patients"], ["Admin site", "Staff"]),
        (
            "admin@demo.clinic",
            "Clinic admin",
            [
                "Home",
                "Patients",
                "Day",
                "Reviews",
                "Waitlist",
                "Lots",
                "Reports",
                "Lot recall",
                "Outcomes",
                "Front-desk figures",
                "Audit log",
                "Staff",
                "Admin site",
            ],
            [],
        ),
    ],
)
def test_each_demo_role_signs_in_and_sees_its_navigation(
    page, demo_data, email, role, menu, hidden
):
    login(page, email, DEMO_PASSWORD)
    whoami = page.get_by_test_id("whoami")
    assert role in whoami.inner_text()
    assert "Riverside Clinic" in whoami.inner_text() or "Hillcrest Studio" in whoami.inner_text()
    # text_content: the entries inside the closed "Admin" drop-down count too.
    labels = [t.strip() for t in page.get_by_test_id("main-menu").locator("a").all_text_contents()]
    assert labels[: len(menu)] == menu
    for label in hidden:
        assert label not in labels
    # Sign out from the account menu.
    page.get_by_role("button", name="Account").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login/")


def test_a_failed_login_shows_an_error(page, demo_data):
    login(page, "injector@demo.clinic", "wrong-password-2026")
    error = page.get_by_test_id("login-error")
    assert "correct email address and password" in error.inner_text()
    assert page.url.endswith("/login/")


def test_front_desk_finds_and_creates_a_patient(page, demo_data):
    login(page, "frontdesk@demo.clinic", DEMO_PASSWORD)
    page.get_by_role("link", name="Patients").click()
    page.get_by_role("searchbox").fill(chart_number_for(1))
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("result-count")).to_contain_text(
        "1 patient match", use_inner_text=True
    )
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("First name").fill("Testa")
    page.get_by_label("Last name").fill("Browserly")
    page.get_by_label("Date of birth").fill("1991-07-08")
    page.get_by_role("button", name="Save patient").click()
    page.wait_for_url("**/patients/*/")
    assert "Testa Browserly" in page.locator("h1").inner_text()
