"""Two-week reviews due and overdue, and the recall list for the next cycle."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import scheduling
from ..access import get_due_review_for, role_required
from ..appointments import DueReview
from ..recall import recall_list
from ..roles import Role
from ..scheduling_forms import ReasonForm, ReviewFilterForm

# 50 rows a page: rendering 200 rows was most of this page's time on the bench
# (docs/benchmarks.md).
PAGE_SIZE = 50
LIST_LIMIT = 200


@role_required(*Role.values)
def reviews_due(request):
    form = ReviewFilterForm(request.GET or None)
    reviews = DueReview.objects.for_pages()
    statuses = [DueReview.Status.OPEN]
    if form.is_valid():
        if form.cleaned_data["location"]:
            reviews = reviews.filter(location=form.cleaned_data["location"])
        if form.cleaned_data["injector"]:
            reviews = reviews.filter(injector=form.cleaned_data["injector"])
        if form.cleaned_data["booked"]:
            statuses.append(DueReview.Status.BOOKED)
    today = timezone.localdate()
    listed = reviews.filter(status__in=statuses).order_by("due_on", "id")
    # query: how many are listed, and how many of them are overdue (every page)
    totals = listed.aggregate(
        total=Count("id"), overdue=Count("id", filter=Q(status="open", overdue_after__lt=today))
    )
    paginator = Paginator(listed, PAGE_SIZE)
    paginator.count = totals["total"]  # known already: no second count query
    page = paginator.get_page(request.GET.get("page"))
    # query: this page's reviews with patient, injector, location and booked appointment
    rows = list(page.object_list)
    for due in rows:
        due.overdue = due.is_overdue(today)
        due.days_since = (today - due.treated_at.date()).days
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "today": today,
        "overdue_count": totals["overdue"],
    }
    return render(request, "clinic/reviews_due.html", context)


@role_required(*Role.values)
@require_POST
def review_book(request, due_review_id: int):
    due = get_due_review_for(request.user, due_review_id)
    try:
        appointment = scheduling.book_due_review(due=due, by=request.user)
    except scheduling.SchedulingError as error:
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
            scheduling.dismiss_due_review(
                due=due, reason=form.cleaned_data["reason"], by=request.user
            )
        except scheduling.SchedulingError as error:
            form.add_error("reason" if error.field == "reason" else None, str(error))
        else:
            messages.success(request, f"{due.patient.full_name}: review taken off the list.")
            return redirect("reviews_due")
    return render(request, "clinic/review_dismiss.html", {"due": due, "form": form})


@role_required(*Role.values)
def recall(request):
    location = request.location.get()  # query: the active location
    show_all = request.GET.get("all") == "1"
    # query: patients with their last treatment, unbooked, in the 3-4 month window
    patients = list(
        recall_list(today=timezone.localdate(), location=None if show_all else location)[
            :LIST_LIMIT
        ]
    )
    context = {"patients": patients, "location": location, "show_all": show_all}
    return render(request, "clinic/recall.html", context)
