"""The front desk's two-week reviews due and overdue, and the recall list for the
next cycle: names, dates and states only, never a clinical field."""

from __future__ import annotations

import datetime
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from clinic import once
from clinic.access import role_required
from clinic.compiled import CompiledValues, Param
from clinic.errors import SchedulingError
from clinic.forms import show_on_form
from clinic.fragments import render_fragment
from clinic.links import Links
from clinic.models import User
from clinic.roles import Role
from clinic.scheduling_forms import ReasonForm
from clinic.slots import local_datetime, local_today, zone_of

from .. import due_list_counts, due_reviews
from ..access import get_due_review_for
from ..forms import ReviewFilterForm
from ..models import DueReview
from ..models.due_reviews import DueReviewState, due_state
from ..next_cycle_recall import patients_due_back
from ..review_timing import first_booking_day

# 25 rows a page: rendering 200 rows, then 50, was most of this page's time on
# the bench (docs/benchmarks.md).
PAGE_SIZE = 25
LIST_LIMIT = 200
# A page number beyond this is counted first (its offset would overflow the database's).
MAX_PAGE = 10**9


@role_required(*Role.values)
def reviews_due(request):
    # query: the active locations (the filter's, the navigation's, the active one's)
    request.location.active()
    form = ReviewFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    filters = (
        bool(chosen.get("booked")),
        getattr(chosen.get("location"), "pk", None),
        getattr(chosen.get("injector"), "pk", None),
    )
    listed = _listed(*filters)
    today = timezone.localdate()
    # How many are listed, and how many of them are overdue: past their day with no
    # review booked. The default list holds only those with none booked, so there the
    # booking is not looked up a second time per row.
    overdue = Q(overdue_after__lt=today)
    if chosen.get("booked"):
        overdue &= Q(has_review=False)
    page, ids, overdue_count = _page_of(
        listed, overdue=overdue, asked=request.GET.get("page"), today=today, filters=filters
    )
    # query: this page's reviews with patient, injector, location and booked appointment,
    # as values.
    rows = show_rows(
        list(DueReview.objects.for_list().filter(pk__in=ids).order_by("due_on", "id")),
        today=today,
        can_open=request.user.has_role(Role.INJECTOR, Role.ADMIN),
    )
    query = request.GET.copy()
    query.pop("page", None)
    chosen_injector = chosen.get("injector")
    context = {
        "form": form,
        "rows": rows,
        "rows_html": render_fragment("charting/reviews_due_rows.jinja", rows=rows),
        "page": page,
        "query": query.urlencode(),
        "overdue_count": overdue_count,
        # The filter's choices, written out by the template (the navigation's
        # locations; query: the injectors, as values): the form's widgets took 1.5 ms.
        "injector_choices": [
            {
                "pk": row["pk"],
                "name": User.full_name_of(first_name=row["first_name"], last_name=row["last_name"]),
            }
            for row in _INJECTOR_CHOICES()
        ],
        "chosen_location": chosen.get("location"),
        "chosen_injector_id": chosen_injector.pk if chosen_injector else None,
    }
    return render(request, "charting/reviews_due.html", context)


def _page_of(
    listed, *, overdue: Q, asked: str | None, today: datetime.date, filters: tuple
) -> tuple[Page, list[int], int]:
    """The page of ``listed`` asked for (as ``Paginator.get_page``: page 1 for what is not
    a number, the last page past the end), its ids, and how many listed are overdue.

    The page's ids are picked from the due reviews alone, with the list's version
    (``charting.due_list_counts``) in the same statement: with the joins first, a deep
    page hashed every patient and appointment (65 ms at 20,000 patients,
    docs/benchmarks.md). Read on their own, not as a subquery of the rows' query: the
    state's SQL names the due review's own table, which a subquery aliases, so there
    it read the outer row's state (an open review after a booked one fell off the
    list). The list's count and its overdue count are the ones kept for that version,
    else counted (a second query). A page past the end, or an empty list, counts
    first (two queries)."""
    try:
        number = int(asked) if asked is not None else 1
    except ValueError:
        number = 1
    if 1 <= number <= MAX_PAGE:
        start = (number - 1) * PAGE_SIZE
        # query: the page's ids and the list's version (SQL written once per list shape
        # and page: clinic.compiled)
        picked = _page_ids(filters, start)
        if picked:
            total, overdue_count = due_list_counts.counts(
                listed, overdue=overdue, version=picked[0][1], today=today, filters=filters
            )
            paginator = Paginator(listed.values("pk"), PAGE_SIZE)
            paginator.count = max(total, start + len(picked))
            return paginator.page(number), [pk for pk, _ in picked], overdue_count
    # query: how many are listed and overdue; query: the last page's ids (none listed: none)
    total, overdue_count = due_list_counts.counts(
        listed, overdue=overdue, version=None, today=today, filters=filters
    )
    paginator = Paginator(listed.values("pk"), PAGE_SIZE)
    paginator.count = total
    page = paginator.get_page(asked)
    ids = [row["pk"] for row in page.object_list] if total else []
    return page, ids, overdue_count


def _listed(booked: bool, location, injector):
    """The list as the filter chooses it, in its order: still owed (``booked``) or
    needing booking, at a location and of an injector (an id, a compiled read's
    ``Param``, or None for all). The page's counts and its ids read this one list."""
    listed = DueReview.objects.still_owed() if booked else DueReview.objects.needing_booking()
    if location is not None:
        listed = listed.filter(location_id=location)
    if injector is not None:
        listed = listed.filter(injector_id=injector)
    return listed.order_by("due_on", "id")


def _page_ids(filters: tuple, start: int) -> list[tuple[int, str | None]]:
    """The page's (id, list version) rows of the list as ``filters`` (booked, location
    id, injector id) choose it (``_listed``), from row ``start``, through a compiled
    read (``_ids_read``)."""
    booked, location, injector = filters
    values = {}
    if location is not None:
        values["location"] = location
    if injector is not None:
        values["injector"] = injector
    read = _ids_read(booked, location is not None, injector is not None, start)
    return [(row["pk"], row["list_version"]) for row in read(**values)]


@lru_cache(maxsize=64)
def _ids_read(booked: bool, by_location: bool, by_injector: bool, start: int) -> CompiledValues:
    """The list's ids query, one per shape of filters and page (the first pages of each
    kept; a page further on is compiled again)."""

    def build():
        listed = _listed(
            booked,
            Param("location", models.BigIntegerField()) if by_location else None,
            Param("injector", models.BigIntegerField()) if by_injector else None,
        )
        return listed.annotate(list_version=due_list_counts.version_column()).values(
            "pk", "list_version"
        )[start : start + PAGE_SIZE]

    return CompiledValues(build)


# The filter's injector choices (the form's queryset, as values), its SQL written once.
_INJECTOR_CHOICES = CompiledValues(
    lambda: ReviewFilterForm().fields["injector"].queryset.values("pk", "first_name", "last_name")
)


class DueRow(NamedTuple):
    """What a row of the list shows, as text and links (the fragment escapes them)."""

    pk: int
    first_name: str
    last_name: str
    chart_number: str
    phone: str
    location: str  # the location's name
    overdue: bool  # open and past day 21
    days_since: int  # days since the treatment, on the location's clock
    state: str  # "Needs booking", "Booked"...
    injector: str  # the injector's full name
    patient_url: str
    treated: str  # "Mar 4", on the location's clock
    due_on: str  # "Mon Mar 18"
    due_now: bool  # open, due today or earlier, not yet overdue
    booked: str  # "Booked Mon Mar 18, 10:00" while booked, else ""
    booked_url: str
    book_url: str  # the row's "Book review" (its free times), "Choose time", "Dismiss": open
    choose_url: str
    dismiss_url: str
    review_url: str  # "Open review", for the clinical roles


def show_rows(rows: list[dict], *, today, can_open: bool) -> list[DueRow]:
    """The list's rows (``DueReview.objects.for_list()`` values) as ``DueRow``: each
    row's dates on its location's clock and its links made here, drawn by one render
    of ``charting/reviews_due_rows.jinja``: through the template's filters, {% url %}
    tags and variables, 25 rows were most of this page's time (docs/benchmarks.md)."""
    links = Links()
    choose = reverse("appointment_book")
    now = timezone.now()
    return [_row(due, today=today, now=now, links=links, choose=choose, can_open=can_open)
            for due in rows]  # fmt: skip


def _row(due: dict, *, today, now, links: Links, choose: str, can_open: bool) -> DueRow:
    zone = ZoneInfo(due["location__time_zone"])
    state = due_state(
        closed_as=due["closed_as"], booked_status=due["booked_status"], booked_id=due["booked_id"]
    )
    pk, due_on = due["pk"], due["due_on"]
    treated = due["treated_at"].astimezone(zone)
    overdue = state == DueReviewState.OPEN and today > due["overdue_after"]
    booked = booked_url = ""
    if state == DueReviewState.BOOKED:
        starts = due["booked_at"].astimezone(zone)
        booked = f"Booked {starts:%a %b} {starts.day}, {starts:%H:%M}"
        booked_url = links("appointment_detail", due["booked_id"])
    book_url = choose_url = dismiss_url = ""
    if state == DueReviewState.OPEN:
        book_url = links("review_book", pk)
        # the day "Book review" starts on (today once due), on the location's clock
        first_day = first_booking_day(
            due_on=due_on,
            window_opens_on=due["review_from"].astimezone(zone).date(),
            today=now.astimezone(zone).date(),
        )
        # ids and an ISO date: nothing here needs quoting
        choose_url = (
            f"{choose}?patient={due['patient_id']}&kind=review&injector={due['injector_id']}"
            f"&location={due['location_id']}&day={first_day.isoformat()}"
        )
        dismiss_url = links("review_dismiss", pk)
    return DueRow(
        pk=pk,
        first_name=due["patient__first_name"],
        last_name=due["patient__last_name"],
        chart_number=due["patient__chart_number"],
        phone=due["patient__phone"],
        location=due["location__name"],
        overdue=overdue,
        days_since=(today - treated.date()).days,
        state=DueReviewState(state).label,
        injector=User.full_name_of(
            first_name=due["injector__first_name"], last_name=due["injector__last_name"]
        ),
        patient_url=links("patient_detail", due["patient_id"]),
        treated=f"{treated:%b} {treated.day}",
        due_on=f"{due_on:%a %b} {due_on.day}",
        due_now=not overdue and state == DueReviewState.OPEN and due_on <= today,
        booked=booked,
        booked_url=booked_url,
        book_url=book_url,
        choose_url=choose_url,
        dismiss_url=dismiss_url,
        review_url=links("reviews:open_for_due", pk) if can_open else "",
    )


@role_required(*Role.values)
def review_book(request, due_review_id: int):
    """The "Book review" page: the due review's free times to tap (GET), and booking the
    tapped one, or the suggested one (POST). A time taken meanwhile, or one that was
    never offered, is a message above the times again; a double submit books one."""
    due = get_due_review_for(request.user, due_review_id)
    if request.method != "POST":
        if due.state != DueReviewState.OPEN:
            messages.info(request, f"This review is already {due.get_state_display().lower()}.")
            return redirect("reviews_due")
        return _review_times_page(request, due, token=once.new_token())
    try:
        # A double click books one review and lands on it (clinic.once).
        with once.submit_once(request) as submit:
            if submit.earlier:
                messages.info(request, "This review was already booked; it is booked once.")
                return redirect(submit.earlier)
            starts_at = chosen_start(request.POST.get("starts", ""), location=due.location)
            appointment = due_reviews.book_due_review(due=due, by=request.user, starts_at=starts_at)
            submit.stored(appointment.get_absolute_url())
    except SchedulingError as error:
        messages.error(request, str(error))
        if due_reviews.is_still_open(due):
            token = request.POST.get(once.FIELD, "") or once.new_token()
            return _review_times_page(request, due, token=token)
        return redirect("reviews_due")
    start = appointment.local_start
    messages.success(
        request,
        f"Review booked for {appointment.patient.full_name} on {start:%a %b %-d} at "
        f"{start:%H:%M} with {appointment.injector.get_full_name()}. "
        "Reschedule it here if the patient prefers another time.",
    )
    return redirect(appointment)


def chosen_start(raw: str, *, location) -> datetime.datetime | None:
    """The tapped time ("2026-03-18T10:00" on the location's clock), None for the
    suggested one; anything else is refused with a message."""
    if not raw:
        return None
    try:
        if len(raw) != len("2026-03-18T10:00"):
            raise ValueError(raw)
        wall = datetime.datetime.strptime(raw, "%Y-%m-%dT%H:%M")
        return local_datetime(location=location, day=wall.date(), time=wall.time())
    except (ValueError, OverflowError):
        raise SchedulingError("Choose one of the times listed.", field="starts") from None


def _review_times_page(request, due: DueReview, *, token: str):
    # queries: the free times (the injector's and patient's busy time, closed days, time off)
    times = due_reviews.review_times(due=due)
    zone = zone_of(due.location)
    today = local_today(due.location)
    treated = due.treated_at.astimezone(zone)
    days = [
        {
            "label": _day_label(free.day, today=today, due_on=due.due_on),
            "closed": free.closed,
            "times": [
                {"value": f"{at:%Y-%m-%dT%H:%M}", "text": f"{at:%H:%M}"}
                for at in (start.astimezone(zone) for start in free.starts[:TIMES_PER_DAY])
            ],
            "more": max(len(free.starts) - TIMES_PER_DAY, 0),
        }
        for free in times.days
    ]
    suggested = None
    if times.suggested:  # the first day's time nearest the treatment's
        at = times.suggested.astimezone(zone)
        label = _day_label(at.date(), today=today, due_on=due.due_on)
        suggested = {"value": f"{at:%Y-%m-%dT%H:%M}", "text": f"{label} at {at:%H:%M}"}
    choose_url = (
        f"{reverse('appointment_book')}?patient={due.patient_id}&kind=review"
        f"&injector={due.injector_id}&location={due.location_id}"
        f"&day={times.first_day.isoformat()}"
    )
    context = {
        "due": due,
        "treated": f"{treated:%a %b} {treated.day}",
        "treated_time": f"{treated:%H:%M}",
        "due_on": f"{due.due_on:%a %b} {due.due_on.day}",
        "day_of_due": (due.due_on - treated.date()).days,
        "due_now": times.first_day <= today,
        "first_day": f"{times.first_day:%a %b} {times.first_day.day}",
        "days": days,
        "suggested": suggested,
        "choose_url": choose_url,
        "submit_token": token,
    }
    return render(request, "charting/review_book.html", context)


TIMES_PER_DAY = 12  # the nearest times of a day; the booking form has the rest


def _day_label(day: datetime.date, *, today: datetime.date, due_on: datetime.date) -> str:
    label = f"{day:%a %b} {day.day}"
    if day == today:
        label = f"Today, {label}"
    if day == due_on:
        label = f"{label} (due day)"
    return label


@role_required(*Role.values)
def review_dismiss(request, due_review_id: int):
    due = get_due_review_for(request.user, due_review_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            due_reviews.dismiss_due_review(
                due=due, reason=form.cleaned_data["reason"], by=request.user
            )
        except SchedulingError as error:
            show_on_form(form, error)
        else:
            messages.success(request, f"{due.patient.full_name}: review taken off the list.")
            return redirect("reviews_due")
    return render(request, "charting/review_dismiss.html", {"due": due, "form": form})


@role_required(*Role.values)
def recall(request):
    location = request.location.get()  # query: the active location
    show_all = request.GET.get("all") == "1"
    # 5 queries: candidates, their treatments, injections, durations (next_cycle_recall)
    patients = list(
        patients_due_back(today=timezone.localdate(), location=None if show_all else location)[
            :LIST_LIMIT
        ]
    )
    context = {"patients": patients, "location": location, "show_all": show_all}
    return render(request, "charting/next_cycle_recall.html", context)
