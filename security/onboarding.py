"""Staff join and recover without an admin knowing their password.

One link does both: Django's password-reset token (``default_token_generator``),
which stops working once the password is set (the token covers the password
hash and the last sign-in) and after ``PASSWORD_RESET_TIMEOUT``. An invitation
is that link sent by an admin to a new user with no usable password; "forgot
password" is the same link asked for by the user. An admin who types a password
instead makes the user choose their own at the next sign-in
(``User.must_change_password``, enforced by ``PasswordChangeRequiredMiddleware``).
"""

from __future__ import annotations

import smtplib

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.events import record
from audit.models import Action

RESET_RATE = "5/h"  # "forgot password" requests per address and per email


def set_password_link(*, user, request) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return request.build_absolute_uri(path)


def send_invitation(*, user, request) -> bool:
    """E-mail ``user`` a one-time link to choose a password (and, where the clinic
    requires it, set up the second factor right after); audited. False when the
    mail server cannot be reached: the user stays saved, the admin sends again."""
    context = {
        "user": user,
        "link": set_password_link(user=user, request=request),
        "clinic": request.get_host(),
        "days": _days_valid(),
    }
    try:
        send_mail(
            subject="Your account at the clinic",
            message=render_to_string("security/email/invitation.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    except (smtplib.SMTPException, OSError):
        return False
    record(request=request, action=Action.CHANGE, obj=user, detail={"invitation": "sent"})
    return True


NOT_SENT = (
    "The invitation to {email} could not be sent: the mail server did not answer. "
    "The account is saved; use “Send an invitation” on the staff list once mail works."
)


def admin_set_password(user) -> None:
    """An admin typed this password: the user replaces it at the next sign-in."""
    user.must_change_password = True


def chose_own_password(user) -> None:
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])


def _days_valid() -> int:
    from django.conf import settings

    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
