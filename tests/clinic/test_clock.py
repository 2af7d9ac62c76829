"""``clinic.clock.clock_text`` writes what ``{{ value|date:fmt }}`` writes, for days and
aware times, in the current time zone and language (both part of what it keeps).
Seen red with the zone left out of the kept key (the second zone got the first's
clock), and with the language left out (German got the English day)."""

import datetime

from django.template import Context, Template
from django.utils import timezone, translation

from clinic.clock import clock_text

MOMENT = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)  # a DST night


def _date_filter(value, fmt):
    return Template("{{ v|date:f }}").render(Context({"v": value, "f": fmt}))


def test_clock_text_equals_the_date_filter_in_each_zone_and_language():
    for zone in ("Europe/London", "America/New_York", "Australia/Sydney", "Europe/London"):
        with timezone.override(zone):
            for language in ("en", "de", "en"):
                with translation.override(language):
                    for value, fmt in (
                        (MOMENT, "M j, Y H:i"),
                        (MOMENT + datetime.timedelta(hours=2), "M j, Y H:i"),
                        (MOMENT, "D M j, Y"),
                        (MOMENT.date(), "D M j, Y"),
                    ):
                        assert clock_text(value, fmt) == _date_filter(value, fmt), (
                            zone, language, value, fmt,
                        )  # fmt: skip


def test_nothing_is_written_for_no_value():
    assert clock_text(None, "M j, Y") == "" == _date_filter(None, "M j, Y")


def test_the_two_times_of_a_night_the_clocks_go_back_are_two():
    """01:30 EDT and 01:30 EST (an hour apart) are equal as New York's local times; each
    is written with its own zone. Seen red with the offset left out of the kept key."""
    first = datetime.datetime(2026, 11, 1, 5, 30, tzinfo=datetime.UTC)  # 01:30 EDT
    second = first + datetime.timedelta(hours=1)  # 01:30 EST
    with timezone.override("America/New_York"):
        for value in (first, second, first):
            assert clock_text(value, "M j, Y H:i c") == _date_filter(value, "M j, Y H:i c")
        assert clock_text(first, "c") != clock_text(second, "c")
