from __future__ import annotations

from django import forms
from django.utils import timezone

from clinic import once
from clinic.access import injectors
from clinic.models import Location
from clinic.scheduling_forms import InjectorChoiceField
from planning.units import format_units

from .chart import ChartInput, InjectionInput
from .choices import AdverseKind, LotStatus, Severity
from .due_reviews import REVIEW_DAYS
from .models import Lot


class LotForm(forms.ModelForm):
    class Meta:
        model = Lot
        fields = ["product", "number", "expiry_date", "received_on", "vial_count"]
        widgets = {
            "expiry_date": forms.DateInput(attrs={"type": "date"}),
            "received_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()


class LotStatusForm(forms.Form):
    status = forms.ChoiceField(choices=LotStatus.choices)
    status_note = forms.CharField(
        label="Reason",
        max_length=200,
        required=False,
        help_text="Required to quarantine or recall.",
    )


class VialForm(forms.Form):
    lot = forms.ModelChoiceField(
        queryset=Lot.objects.none(), label="Lot", empty_label="Choose a lot"
    )
    vial_units = forms.TypedChoiceField(label="Vial size", coerce=int)
    diluent_ml = forms.DecimalField(
        label="Saline (mL)", max_digits=5, decimal_places=3, min_value=0.001, max_value=10
    )
    reconstituted_at = forms.DateTimeField(
        label="Reconstituted at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, product, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Every lot of the product is listed, so a refused one says why when chosen.
        self.fields["lot"].queryset = Lot.objects.for_product(product).select_related("product")
        self.fields["lot"].label_from_instance = lambda lot: (
            f"{lot.number} · exp {lot.expiry_date:%Y-%m-%d}"
            + ("" if lot.status == LotStatus.ACTIVE else f" · {lot.get_status_display().upper()}")
        )
        self.fields["vial_units"].choices = [(s, f"{s} U") for s in product.vial_sizes]
        if plan is not None:
            self.fields["vial_units"].initial = plan.vial_units
            # As people write it (2.5, not the plan's stored 2.500).
            self.fields["diluent_ml"].initial = format_units(plan.diluent_ml)
        self.fields["reconstituted_at"].initial = timezone.localtime().replace(
            second=0, microsecond=0
        )


class AdverseEventForm(forms.Form):
    kind = forms.ChoiceField(label="What happened", choices=AdverseKind.choices)
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MILD)
    note = forms.CharField(max_length=300, required=False)


class SignForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Signing locks the chart; corrections are then addenda.",
    )
    review_days = forms.TypedChoiceField(
        label="Two-week review on day",
        coerce=int,
        choices=[(d, f"day {d}") for d in REVIEW_DAYS],
        initial=14,
    )
    acknowledgment = forms.CharField(
        label="Acknowledge the dose warnings",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when a warning asks for it: what you discussed and why you go ahead. "
        "Signed with the chart.",
    )


class AddendumForm(forms.Form):
    submit_token = once.token_field()  # a double submit stores one addendum (clinic.once)
    reason = forms.CharField(max_length=200, help_text="e.g. correction, late entry, patient call.")
    text = forms.CharField(label="Addendum", widget=forms.Textarea(attrs={"rows": 3}))


class ConsentForm(forms.Form):
    signed_name = forms.CharField(label="Patient's name", max_length=200)
    signature = forms.CharField(widget=forms.HiddenInput, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Why is the consent withdrawn?")


class RecallForm(forms.Form):
    number = forms.CharField(label="Lot number", max_length=40, required=False)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def chart_input_from_post(post, injection_ids: list[int]) -> ChartInput:
    """Read the chart form: ``u-<id>``/``v-<id>``/``skip-<id>``/``n-<id>`` per injection,
    ``add-<n>-...`` for added points, and the shared vial ``vial_all`` for empty vial cells."""
    shared_vial = _int(post.get("vial_all"))
    rows = [
        InjectionInput(
            key=f"i{pk}",
            injection_id=pk,
            units=post.get(f"u-{pk}", ""),
            vial_id=_int(post.get(f"v-{pk}")) or shared_vial,
            skip=post.get(f"skip-{pk}") == "on",
            note=post.get(f"n-{pk}", ""),
        )
        for pk in injection_ids
    ]
    added = []
    for n in range(3):
        units, muscle = post.get(f"add-{n}-units", "").strip(), _int(post.get(f"add-{n}-muscle"))
        if not units and not muscle:
            continue
        added.append(
            InjectionInput(
                key=f"add-{n}",
                units=units,
                muscle_id=muscle,
                side=post.get(f"add-{n}-side", ""),
                vial_id=shared_vial,
                note=post.get(f"add-{n}-note", ""),
            )
        )
    return ChartInput(
        version=_int(post.get("version")) or 0,
        rows=rows,
        added=added,
        wasted_units=post.get("wasted_units", "0") or "0",
        aftercare_given=post.get("aftercare_given") == "on",
        notes=post.get("notes", ""),
    )


class ReviewFilterForm(forms.Form):
    location = forms.ModelChoiceField(
        queryset=Location.objects.active(),
        required=False,
        empty_label="All locations",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    injector = InjectorChoiceField(
        queryset=injectors(),
        required=False,
        empty_label="All injectors",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    booked = forms.BooleanField(
        required=False,
        label="Show booked reviews too",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
