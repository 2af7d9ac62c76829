"""Hostile input to every form of the app: never a 500, never script echoed back.

The forms are found, not listed: the test walks every URL pattern (as the role
matrix does), opens each page as each role it admits, and reads the <form>s on
it (fields, selects and their options). Hypothesis then submits very long
strings, unicode, HTML and script, negative and huge numbers, impossible dates
and lists where one value is expected, and the page after any redirect is read
as well, so what was saved is shown escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from clinic.roles import Role
from tests import test_role_matrix as matrix

pytestmark = pytest.mark.django_db

# The role matrix's walk and its fixture that builds one object per URL argument.
PUBLIC, all_pages, build_url = matrix.PUBLIC, matrix.all_pages, matrix.build_url
url_kwargs = matrix.url_kwargs

SCRIPT = '<script>alert("xss")</script>'
PAYLOADS = [
    SCRIPT,
    '"><svg onload=alert(1)>',
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(2)</script>",
]
# Markers that must never come back verbatim.
RAW = ["<script>alert(", "<svg onload=", "<img src=x onerror"]
ODD = [
    "",
    " ",
    "0",
    "-1",
    "-999999999999999999999999",
    "99999999999999999999999999",
    "1e308",
    "NaN",
    "Infinity",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "31/12/99999",
    "' OR '1'='1",
    "../../etc/passwd",
    "\u202egnp.exe",
    "𝕏" * 40,
    "\r\n\r\n",
    "null",
    "[]",
]
SKIP_ACTIONS = {"/logout/"}  # signing out is not a form to fuzz
EXAMPLES = 20

hostile_text = st.one_of(
    st.sampled_from(PAYLOADS + ODD),
    st.text(max_size=80),
    st.text(min_size=300, max_size=3000),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(PAYLOADS).map(lambda p: "x" * 5000 + p),
)


@dataclass
class Form:
    page: str
    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> options

    @property
    def key(self):
        return (self.method, self.action, tuple(sorted(self.fields)))


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.page, self.forms, self._form, self._select = page, [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self._form = Form(self.page, (a.get("method") or "get").lower(), action)
        elif self._form is None or not a.get("name"):
            return
        elif tag in ("input", "textarea", "select"):
            if a.get("type") in ("submit", "button") or a["name"] == "csrfmiddlewaretoken":
                return
            self._form.fields.setdefault(a["name"], [])
            if a.get("type") in ("checkbox", "radio", "hidden") and a.get("value"):
                self._form.fields[a["name"]].append(a["value"])
            self._select = a["name"] if tag == "select" else None
        if tag == "option" and self._select and a.get("value"):
            self._form.fields[self._select].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def discover(client, users, kwargs) -> list[Form]:
    found: dict = {}
    for role, user in users.items():
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        for name, pattern in all_pages():
            allowed = getattr(pattern.callback, "allowed_roles", ())
            if not (role in allowed or (user is None and name in PUBLIC) or user and not allowed):
                continue
            url = build_url(name, pattern, kwargs)
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            parser = _FormParser(url)
            parser.feed(response.content.decode())
            for form in parser.forms:
                if form.action.split("?")[0] not in SKIP_ACTIONS:
                    found.setdefault(form.key, (user, form))
    return list(found.values())


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_hostile_values_in_every_form(client, cast, url_kwargs):
    users = {None: None, **{role: cast[role] for role in Role.values}}
    forms = discover(client, users, url_kwargs)
    actions = {form.action.split("?")[0] for _, form in forms}
    assert {"/login/", "/patients/new/", f"/patients/{url_kwargs['patient_id']}/edit/"} <= actions

    for user, form in forms:
        _fuzz(client, user, form)


def _fuzz(client, user, form: Form) -> None:
    @hyp_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            # The movement map posts ~100 cells: large inputs are the point there.
            HealthCheck.data_too_large,
        ],
    )
    @given(data=st.data())
    def submit(data):
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        values = {}
        for name, options in form.fields.items():
            choice = data.draw(st.sampled_from(["hostile", "option", "list", "missing"]))
            if choice == "missing":
                continue
            if choice == "option" and options:
                values[name] = data.draw(st.sampled_from(options))
            elif choice == "list":
                values[name] = data.draw(st.lists(hostile_text, min_size=2, max_size=3))
            else:
                values[name] = data.draw(hostile_text)
        send = client.post if form.method == "post" else client.get
        response = send(form.action, values, follow=True)
        body = _body(response)
        assert response.status_code < 500, f"{form.action} {values!r}"
        for marker in RAW:
            assert marker not in body, f"{form.action} echoed {marker!r} unescaped"

    submit()
