"""The patient's forms: the date of birth, then the intake (the injector's own
screening questions, one list: ``planning.screening_questions``)."""

from __future__ import annotations

from django import forms

from planning.forms import ScreeningForm
from planning.intake import AREAS, IntakeAnswers
from planning.photos import MAX_BYTES

TEXT_MAX = 1000


class BirthDateForm(forms.Form):
    date_of_birth = forms.DateField(
        label="Your date of birth",
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        error_messages={
            "required": "Enter your date of birth.",
            "invalid": "Enter your date of birth as day, month and year.",
        },
    )


class IntakeForm(ScreeningForm):
    """The screening's questions in the patient's hands, plus what bothers them."""

    bothers = forms.MultipleChoiceField(
        label="What bothers you", choices=AREAS, required=False, widget=forms.CheckboxSelectMultiple
    )
    bothers_text = forms.CharField(
        label="In your own words: what bothers you?",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    keep = forms.MultipleChoiceField(
        label="What you like and want kept as it is",
        choices=AREAS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    keep_text = forms.CharField(
        label="In your own words: what does not bother you, or should not change?",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    selfie = forms.FileField(
        label="A recent photo of the expression you dislike (optional)",
        required=False,
        help_text=f"JPEG, PNG or HEIC, up to {MAX_BYTES // 1024 // 1024} MB.",
    )
    consent_read = forms.BooleanField(label="I have read the consent text", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["notes"]
        self.fields["allergies"].label = "Any other allergies (medicines, latex, …)"
        self.fields["medicines"].label = "Medicines you take now"

    def clean(self):
        data = super().clean()
        both = set(data.get("bothers") or ()) & set(data.get("keep") or ())
        if both:
            self.add_error("keep", "An area cannot both bother you and be kept as it is.")
        return data

    def intake_answers(self) -> IntakeAnswers:
        c = self.cleaned_data
        return IntakeAnswers(
            answers=self.answers(),
            allergies=c["allergies"],
            medicines=c["medicines"],
            bothers=tuple(c["bothers"]),
            bothers_text=c["bothers_text"],
            keep=tuple(c["keep"]),
            keep_text=c["keep_text"],
            consent_read=c["consent_read"],
        )
