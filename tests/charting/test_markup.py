"""Hostile text in the front desk's reviews-due rows (charting/reviews_due_rows.jinja):
names, numbers and places show as text, never as markup."""

import pytest
from django.urls import reverse

from clinic.roles import Role
from tests.factories import LocationFactory, PatientFactory, UserFactory, make_due_review
from tests.hostile import AMPERSAND, ATTRIBUTE, QUOTES, SCRIPT, TEXTAREA, assert_shown_as_text

pytestmark = pytest.mark.django_db


def test_the_reviews_due_rows_show_hostile_text_as_text(desk_client, location):
    place = LocationFactory(name=f"{AMPERSAND} {TEXTAREA}")
    person = UserFactory(
        first_name=QUOTES, last_name=ATTRIBUTE, role=Role.INJECTOR, default_location=place
    )
    patient = PatientFactory(
        first_name=SCRIPT, last_name=ATTRIBUTE, phone='"><b>5</b>', chart_number="<i>T-1</i>"
    )
    due = make_due_review(patient=patient, injector=person, location=place, treated_days_ago=25)
    html = desk_client.get(reverse("reviews_due")).text
    row = html.split(f'data-testid="due-{due.pk}"')[1].split("</tr>")[0]
    for text in (SCRIPT, ATTRIBUTE, QUOTES, AMPERSAND, TEXTAREA, '"><b>5</b>', "<i>T-1</i>"):
        assert_shown_as_text(row, text)
    for tag in ("<script", "<img", "</textarea>", "<b>", "<i>"):
        assert tag not in row
    assert '<span class="badge text-bg-danger">Overdue</span>' in row


def test_the_reviews_due_filter_names_injectors_as_text(desk_client, location):
    """The filter's injectors are read as values (charting/views/reviews_due.py) and
    written by the page's template: a name is text there too."""
    person = UserFactory(first_name=SCRIPT, last_name=ATTRIBUTE, role=Role.INJECTOR)
    html = desk_client.get(reverse("reviews_due")).text
    select = html.split('id="id_injector"')[1].split("</select>")[0]
    assert f'<option value="{person.pk}">' in select
    for text in (SCRIPT, ATTRIBUTE):
        assert_shown_as_text(select, text)
    assert "<script" not in select and "<img" not in select
