"""Patient search: one box that takes a name, chart number, phone or birth date."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q


def parse_date(text: str) -> datetime.date | None:
    for fmt in settings.DATE_INPUT_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def patient_search_filter(query: str) -> Q:
    from .models import digits_only

    query = " ".join(query.split())[:100]
    if not query:
        return Q()
    day = parse_date(query)
    if day is not None:
        return Q(date_of_birth=day)
    condition = Q(chart_number__iexact=query)
    digits = digits_only(query)
    if len(digits) >= 4 and len(digits) >= len(query.replace(" ", "")) - 4:
        # Mostly digits: a phone number (or the tail of one) or a chart number.
        condition |= Q(phone_digits__contains=digits) | Q(chart_number__icontains=query)
    # Every word must match the first or the last name: "ann smi" finds Anna Smith.
    names = Q()
    for word in query.split():
        names &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return condition | names
