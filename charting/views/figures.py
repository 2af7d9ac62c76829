"""The front desk's figures (issue 19): per week and location, the no-show rate, the
utilisation of each injector (``clinic.figures``) and the reviews booked within days
10–21 (``charting.review_figures``). Counts, minutes and staff names only, no patient:
the clinic admin and the front desk (whose work the figures are) see them; injectors
do not (their colleagues' utilisation is not theirs to read)."""

from __future__ import annotations

import datetime

from django import forms
from django.shortcuts import render
from django.utils import timezone

from clinic.access import role_required
from clinic.figures import MOST_WEEKS, figures, week_of
from clinic.models import Location
from clinic.roles import Role

from ..review_figures import ReviewWeek, reviews_booked_in_window

FIGURE_ROLES = (Role.FRONT_DESK, Role.ADMIN)


class FiguresForm(forms.Form):
    location = forms.ModelChoiceField(
        queryset=Location.objects.active(),
        required=False,
        empty_label="Every location",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    weeks = forms.IntegerField(
        min_value=1,
        max_value=MOST_WEEKS,
        required=False,
        initial=8,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    until = forms.DateField(
        required=False,
        label="Up to the week of",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )

    def clean_until(self):
        day = self.cleaned_data.get("until")
        today = timezone.localdate()
        if day and not today - datetime.timedelta(days=10 * 366) <= day <= today:
            raise forms.ValidationError("Choose a week from the last ten years up to this one.")
        return day


@role_required(*FIGURE_ROLES)
def figures_page(request):
    form = FiguresForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    # query: the active locations (or the chosen one)
    locations = [data["location"]] if data.get("location") else list(Location.objects.active())
    weeks = data.get("weeks") or 8
    until = data.get("until") or timezone.localdate()
    # queries: the appointments, holidays, time off, injectors (clinic.figures)
    shown = figures(locations=locations, last_week=until, weeks=weeks)
    last_monday = week_of(until)
    first_monday = last_monday - datetime.timedelta(days=7 * (min(weeks, MOST_WEEKS) - 1))
    # query: the due reviews of the span's treatments (charting.review_figures)
    reviews = reviews_booked_in_window(
        locations=locations,
        first_day=first_monday,
        last_day=last_monday + datetime.timedelta(days=6),
    )
    rows = [
        {"week": week, "reviews": reviews.get((week.location.pk, week.week), ReviewWeek())}
        for week in shown
    ]
    return render(request, "charting/figures.html", {"form": form, "rows": rows})
