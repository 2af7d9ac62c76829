"""The front desk's list of staged next steps to book (filler, resurfacing, skin care,
referral): the patient, the kind and the due date only (charting.reviews.next_steps)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.access import role_required
from clinic.roles import Role

from ..reviews.access import get_next_step_to_book_for
from ..reviews.next_steps import mark_booked, steps_to_book

LIST_LIMIT = 200


@role_required(*Role.values)
def next_steps_to_book(request):
    location = request.location.get()  # query: the active location
    show_all = request.GET.get("all") == "1"
    # query: the open steps with their patients (kind and date only)
    steps = list(steps_to_book(location=None if show_all else location)[:LIST_LIMIT])
    context = {
        "steps": steps,
        "location": location,
        "show_all": show_all,
        "today": timezone.localdate(),
    }
    return render(request, "charting/next_steps_to_book.html", context)


@role_required(*Role.values)
@require_POST
def next_step_booked(request, step_id: int):
    step = get_next_step_to_book_for(request.user, step_id)
    mark_booked(step=step, by=request.user)
    messages.success(request, f"{step.patient.full_name}: {step.get_kind_display()} booked.")
    return redirect("next_steps_to_book")
