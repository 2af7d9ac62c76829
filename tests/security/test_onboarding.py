"""Staff onboarding (issue 19, finding 7): a new user joins and signs in without
the admin ever knowing their password.

The rule lives in ``security.onboarding``: one token link (Django's reset token)
for invitations and "forgot password"; a typed password is replaced at the next
sign-in. Its doors: the Django admin's add-user form (no password → invitation;
typed → must change), the admin's "set password" page, the staff list's
"Send an invitation" action, the sign-in page's "Forgot your password?", and the
password-change page that lifts the flag.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.test import Client

from audit.models import Action, AuditEvent
from clinic.models import User
from clinic.roles import Role

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-password-2026"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # the rate limiter's counters live in the cache


def add_user(admin_client, **password) -> User:
    admin_client.post(
        "/admin/clinic/user/add/",
        {
            "email": "newbie@test.clinic",
            "first_name": "Nia",
            "last_name": "Newbie",
            "groups": [Group.objects.get(name=Role.INJECTOR).pk],
            **password,
        },
    )
    return User.objects.get(email="newbie@test.clinic")


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/password/choose/\S+/)", message.body).group(1)


def sign_in(client: Client, password: str):
    return client.post(
        "/login/", {"username": "newbie@test.clinic", "password": password}, follow=True
    )


def test_an_invited_user_chooses_their_own_password_once(admin_client, settings):
    user = add_user(admin_client, usable_password="false")
    assert not user.has_usable_password()
    (invitation,) = mail.outbox
    assert invitation.to == ["newbie@test.clinic"] and "Choose your" not in invitation.subject
    assert AuditEvent.objects.filter(
        action=Action.CHANGE, object_id=str(user.pk), detail__invitation="sent"
    ).exists()

    newbie = Client()
    link = link_in(invitation)
    form_page = newbie.get(link, follow=True)
    assert "Choose your password" in form_page.text
    done = newbie.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is saved" in done.text
    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.text  # used once, then never again

    settings.REQUIRE_2FA = True  # where the clinic requires it: enrol right after
    page = sign_in(newbie, NEW_PASSWORD)
    assert page.redirect_chain[-1][0].startswith("/account/two-factor/setup/")


def test_a_password_the_admin_typed_is_changed_at_first_sign_in(admin_client):
    user = add_user(
        admin_client,
        usable_password="true",
        password1="typed-by-the-admin-2026",
        password2="typed-by-the-admin-2026",
    )
    assert user.must_change_password and not mail.outbox
    newbie = Client()
    page = sign_in(newbie, "typed-by-the-admin-2026")
    assert page.redirect_chain[-1][0].startswith("/password/?next=")
    assert newbie.get("/patients/").status_code == 302  # every page leads there
    newbie.post(
        "/password/",
        {
            "old_password": "typed-by-the-admin-2026",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    user.refresh_from_db()
    assert not user.must_change_password
    assert newbie.get("/patients/").status_code == 200


def test_the_admins_set_password_page_also_asks_for_a_change(admin_client, injector):
    admin_client.post(
        f"/admin/clinic/user/{injector.pk}/password/",
        {"password1": "typed-again-2026-x", "password2": "typed-again-2026-x"},
    )
    injector.refresh_from_db()
    assert injector.must_change_password and injector.check_password("typed-again-2026-x")


def test_forgot_password_says_the_same_for_unknown_addresses_and_is_rate_limited(client, injector):
    sent = client.post("/password/forgot/", {"email": injector.email}, follow=True)
    unknown = client.post("/password/forgot/", {"email": "nobody@test.clinic"}, follow=True)
    assert "Check your email" in sent.text and "Check your email" in unknown.text
    assert [m.to for m in mail.outbox] == [[injector.email]]
    for _ in range(6):  # over the limit: the same answer, no more mail
        page = client.post("/password/forgot/", {"email": injector.email}, follow=True)
        assert page.status_code == 200 and "Check your email" in page.text
    assert len(mail.outbox) <= 5


def test_an_expired_link_is_a_clear_message(client, injector, settings):
    client.post("/password/forgot/", {"email": injector.email})
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link is too old
    page = client.get(link_in(mail.outbox[0]), follow=True)
    assert page.status_code == 200 and "This link no longer works" in page.text


def test_an_invited_user_whose_link_expired_can_ask_for_a_new_one(admin_client):
    """Review finding: Django's reset skips users without a usable password, so an
    invited user with an expired link got "check your email" and no mail."""
    user = add_user(admin_client, usable_password="false")
    mail.outbox.clear()
    Client().post("/password/forgot/", {"email": user.email.upper()})
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_a_mail_server_that_does_not_answer_loses_no_new_user(admin_client, settings):
    """The add-user door with the mail server down (a closed port, a real SMTP
    connection): the user is saved and the admin told to send again, never a 500."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    response = admin_client.post(
        "/admin/clinic/user/add/",
        {
            "email": "newbie@test.clinic",
            "first_name": "Nia",
            "last_name": "Newbie",
            "groups": [Group.objects.get(name=Role.INJECTOR).pk],
            "usable_password": "false",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "could not be sent" in response.text
    assert User.objects.filter(email="newbie@test.clinic").exists()
