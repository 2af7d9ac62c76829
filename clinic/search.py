"""Patient search: one box that takes a name, chart number, phone or birth date.

Each kind of query is answered by an index (clinic migrations 0005 and 0006 on
PostgreSQL): a birth date by ``patient_dob_idx``; a query with digits by the
end of the chart number or of the phone (b-trees on the reversed values, so
``LIKE 'tail%'`` reads a few index entries); a name by the trigram indexes.
A query with digits skips the name conditions (names have no digits): ORed
with them, PostgreSQL scanned every patient (docs/benchmarks.md).

A page of results is read as values and drawn by one fragment (``patient_rows``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Reverse, Upper
from django.db.models.lookups import StartsWith
from django.utils import dateformat
from markupsafe import Markup

from .fragments import render_fragment
from .links import kept_links


def digits_only(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def parse_date(text: str) -> datetime.date | None:
    for fmt in settings.DATE_INPUT_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def ends_with(field: str, tail: str, *, upper: bool = False) -> Q:
    """``field`` ends with ``tail``, as a prefix of the reversed value (served by
    the b-trees on ``reverse(...)`` of migration 0006)."""
    value = Upper(field) if upper else field
    return Q(StartsWith(Reverse(value), tail[::-1]))


def patient_search_filter(query: str) -> Q:
    query = " ".join(query.split())[:100]
    if not query:
        return Q()
    day = parse_date(query)
    if day is not None:
        return Q(date_of_birth=day)
    # A whole chart number, in any case ("c-000777").
    condition = Q(chart_number__iexact=query)
    digits = digits_only(query)
    if digits:  # names have none: the name conditions are left out
        if len(digits) >= 4 and len(digits) >= len(query.replace(" ", "")) - 4:
            # Mostly digits: the end of a chart number or of a phone ("555 010 9876",
            # "9876"; the phone's digits are kept in phone_digits).
            condition |= ends_with("chart_number", query.replace(" ", ""), upper=True)
            condition |= ends_with("phone_digits", digits)
        return condition
    # Every word must match the first or the last name: "ann smi" finds Anna Smith.
    names = Q()
    for word in query.split():
        names &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return condition | names


# What a row of the patient list shows, read as values (no model rows, no join's
# model: the home location's name comes with them).
ROW_FIELDS = (
    "pk", "first_name", "last_name", "is_active", "chart_number", "date_of_birth", "phone",
    "home_location__name",
)  # fmt: skip


@dataclass(frozen=True)
class PatientRow:
    url: str
    first_name: str
    last_name: str
    active: bool
    chart_number: str
    born: str  # "Mar 18, 1980"
    phone: str
    home: str  # the home location's name, or "—"


def patient_rows(values) -> Markup:
    """The patient list's rows for a page of ``ROW_FIELDS`` values, in one fragment
    render (``clinic/patient_rows.jinja``): through the page template, with a
    ``reverse`` per row, they were a fifth of the search page's CPU (issue 22)."""
    link = kept_links()
    rows = [
        PatientRow(
            url=link("patient_detail", v["pk"]),
            first_name=v["first_name"],
            last_name=v["last_name"],
            active=v["is_active"],
            chart_number=v["chart_number"],
            born=dateformat.format(v["date_of_birth"], "M j, Y") if v["date_of_birth"] else "",
            phone=v["phone"],
            home=v["home_location__name"] or "—",
        )
        for v in values
    ]
    return render_fragment("clinic/patient_rows.jinja", rows=rows)
