"""The outcome summary across the clinic (clinic admins)."""

from __future__ import annotations

from django.shortcuts import render

from clinic.access import role_required
from clinic.roles import Role

from ..outcomes import outcome_summary


@role_required(Role.ADMIN)
def outcome_summary_page(request):
    return render(request, "reviews/outcomes.html", {"summary": outcome_summary()})  # 3 queries
