"""The front desk's two-week reviews due and overdue, and the recall list for the
next cycle: names, dates and states only, never a clinical field."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from clinic.access import role_required
from clinic.errors import SchedulingError
from clinic.forms import show_on_form
from clinic.links import Links
from clinic.roles import Role
from clinic.scheduling_forms import ReasonForm
from clinic.slots import zone_of

from .. import due_reviews
from ..access import get_due_review_for
from ..forms import ReviewFilterForm
from ..models import DueReview
from ..models.due_reviews import DueReviewState, review_appointments
from ..next_cycle_recall import patients_due_back

# 25 rows a page: rendering 200 rows, then 50, was most of this page's time on
# the bench (docs/benchmarks.md).
PAGE_SIZE = 25
LIST_LIMIT = 200


@role_required(*Role.values)
def reviews_due(request):
    form = ReviewFilterForm(request.GET or None)
    listed = DueReview.objects.needing_booking()
    chosen = {}
    if form.is_valid():
        chosen = form.cleaned_data
        if form.cleaned_data["booked"]:
            listed = DueReview.objects.still_owed()
        if form.cleaned_data["location"]:
            listed = listed.filter(location=form.cleaned_data["location"])
        if form.cleaned_data["injector"]:
            listed = listed.filter(injector=form.cleaned_data["injector"])
    today = timezone.localdate()
    listed = listed.order_by("due_on", "id")
    # query: how many are listed, and how many of them are overdue (every page)
    unbooked = ~Exists(review_appointments())
    totals = listed.aggregate(
        total=Count("id"), overdue=Count("id", filter=Q(unbooked, overdue_after__lt=today))
    )
    paginator = Paginator(listed.values("pk"), PAGE_SIZE)
    paginator.count = totals["total"]  # known already: no second count query
    page = paginator.get_page(request.GET.get("page"))
    # query: this page's reviews with patient, injector, location and booked appointment.
    # The page's ids are picked from the due reviews alone (a subquery): with the
    # joins first, a deep page hashed every patient and appointment (65 ms at 20,000
    # patients, docs/benchmarks.md).
    rows = list(
        DueReview.objects.for_list().filter(pk__in=page.object_list).order_by("due_on", "id")
    )
    can_open = request.user.has_role(Role.INJECTOR, Role.ADMIN)
    show_rows(rows, today=today, can_open=can_open)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "overdue_count": totals["overdue"],
        # The filter's choices, written out by the template (the navigation's
        # locations; query: the injectors): the form's widgets took 1.5 ms.
        "injector_choices": list(form.fields["injector"].queryset),
        "chosen_location": chosen.get("location"),
        "chosen_injector": chosen.get("injector"),
    }
    return render(request, "charting/reviews_due.html", context)


def show_rows(rows: list[DueReview], *, today, can_open: bool) -> None:
    """Each row's markup (``due.html``), with its dates on its location's clock and
    its links, made here in one pass: through the template's filters, {% url %}
    tags and variables, 25 rows were most of this page's time (docs/benchmarks.md).
    Every value from the database goes through escape()."""
    links = Links()
    choose = reverse("appointment_book")
    for due in rows:
        due.overdue = due.is_overdue(today)
        due.days_since = (today - due.treated_at.date()).days
        html = _row_html(due, today=today, links=links, choose=choose, can_open=can_open)
        due.html = SafeString(html)  # nosec B703 - _row_html escapes every value it is given


def _row_html(due: DueReview, *, today, links: Links, choose: str, can_open: bool) -> str:
    patient, zone = due.patient, zone_of(due.location)
    treated = due.treated_at.astimezone(zone)
    phone = f' · <span class="text-nowrap">{escape(patient.phone)}</span>' if patient.phone else ""
    badge = ""
    if due.overdue:
        badge = '<span class="badge text-bg-danger">Overdue</span>'
    elif due.state == DueReviewState.OPEN and due.due_on <= today:
        badge = '<span class="badge text-bg-warning">Due now</span>'
    state = escape(due.get_state_display())
    if due.state == DueReviewState.BOOKED:
        starts = due.booked_at.astimezone(zone)
        state = (
            f'<a href="{links("appointment_detail", due.booked_id)}">'
            f"Booked {starts:%a %b} {starts.day}, {starts:%H:%M}</a>"
        )
    actions = ""
    if due.state == DueReviewState.OPEN:
        query = (
            f"patient={due.patient_id}&amp;kind=review&amp;injector={due.injector_id}"
            f"&amp;location={due.location_id}&amp;day={max(due.due_on, today).isoformat()}"
        )
        actions = (
            f'<button class="btn btn-primary" type="submit" form="book-review" '
            f'formaction="{links("review_book", due.pk)}">Book review</button>\n'
            f'      <a class="btn btn-outline-secondary" href="{choose}?{query}">Choose time</a>\n'
            f'      <a class="btn btn-outline-danger" href="{links("review_dismiss", due.pk)}">'
            "Dismiss</a>\n"
        )
    if can_open:
        review = links("reviews:open_for_due", due.pk)
        actions += (
            f'      <a class="btn btn-outline-primary" href="{review}" '
            f'data-testid="open-review-{due.pk}">Open review</a>'
        )
    return f"""<tr class="{"overdue" if due.overdue else ""}" data-testid="due-{due.pk}">
    <td><a class="fw-semibold text-nowrap" href="{links("patient_detail", due.patient_id)}">\
{escape(patient.last_name)}, {escape(patient.first_name)}</a>
      <div class="small text-secondary">{escape(patient.chart_number)}{phone}</div></td>
    <td>{treated:%b} {treated.day} <span class="small text-secondary">\
(day {due.days_since})</span></td>
    <td>{due.due_on:%a %b} {due.due_on.day}
      {badge}</td>
    <td>{escape(due.injector.get_full_name())}<div class="small text-secondary">\
{escape(due.location.name)}</div></td>
    <td>{state}</td>
    <td class="text-end text-nowrap">
      {actions}
    </td>
  </tr>"""


@role_required(*Role.values)
@require_POST
def review_book(request, due_review_id: int):
    due = get_due_review_for(request.user, due_review_id)
    try:
        appointment = due_reviews.book_due_review(due=due, by=request.user)
    except SchedulingError as error:
        messages.error(request, str(error))
        return redirect("reviews_due")
    start = appointment.local_start
    messages.success(
        request,
        f"Review booked for {appointment.patient.full_name} on {start:%a %b %-d} at "
        f"{start:%H:%M} with {appointment.injector.get_full_name()}. "
        "Reschedule it here if the patient prefers another time.",
    )
    return redirect(appointment)


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
    # query: patients with their last treatment, unbooked, in the 3-4 month window
    patients = list(
        patients_due_back(today=timezone.localdate(), location=None if show_all else location)[
            :LIST_LIMIT
        ]
    )
    context = {"patients": patients, "location": location, "show_all": show_all}
    return render(request, "charting/next_cycle_recall.html", context)
