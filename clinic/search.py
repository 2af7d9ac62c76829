"""Patient search: one box that takes a name, chart number, phone or birth date.

Each kind of query is answered by an index (clinic migrations 0005 and 0006 on
PostgreSQL): a birth date by ``patient_dob_idx``; a query with digits by the
end of the chart number or of the phone (b-trees on the reversed values, so
``LIKE 'tail%'`` reads a few index entries); a name by the trigram indexes.
A query with digits skips the name conditions (names have no digits): ORed
with them, PostgreSQL scanned every patient (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Reverse, Upper
from django.db.models.lookups import StartsWith


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
