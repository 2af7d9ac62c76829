from __future__ import annotations

import re

from django import forms

from .choices import Grade, NotTreatedReason, PhotoMoment
from .models import Expression, Product
from .movement import NOTE_MAX, CellInput
from .photos import MAX_BYTES
from .screening import QUESTIONS

YES_NO = [("yes", "Yes"), ("no", "No")]


class ScreeningForm(forms.Form):
    """One required yes/no per question of planning.screening.QUESTIONS."""

    allergies = forms.CharField(
        label="Other allergies", max_length=300, required=False, help_text="Medicines, latex, …"
    )
    medicines = forms.CharField(label="Current medicines", max_length=300, required=False)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[f"q_{question.code}"] = forms.ChoiceField(
                label=question.text,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": "Answer yes or no."},
            )
        self.order_fields([f"q_{q.code}" for q in QUESTIONS])

    def question_fields(self):
        for question in QUESTIONS:
            yield question, self[f"q_{question.code}"]

    def answers(self) -> dict[str, bool]:
        return {q.code: self.cleaned_data[f"q_{q.code}"] == "yes" for q in QUESTIONS}


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="Acknowledgment",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you discussed with the patient and why you go ahead.",
        error_messages={"required": "Write what you discussed and why you go ahead."},
    )


GRADE_FIELD = re.compile(r"^g:(?P<key>[^:]+)$")


class MovementMapForm(forms.Form):
    """The grid: ``g:<EXPR>.<MUSCLE>.<SIDE>`` grade and ``n:<...>`` note per cell.

    Cells the grid does not have (a side the muscle lacks, a muscle the
    expression does not examine) are reported, never silently dropped.
    """

    notes = forms.CharField(
        label="Notes on the map", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, cell_keys: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.cell_keys = cell_keys
        self.cell_errors: dict[str, str] = {}

    def posted_values(self) -> dict[str, dict]:
        """What the injector entered, cell by cell, to show again after an error."""
        values = {}
        for name in self.data:
            match = GRADE_FIELD.match(name)
            if not match:
                continue
            key = match["key"]
            raw = (self.data.get(name) or "").strip()
            note = (self.data.get(f"n:{key}") or "").strip()
            direction = (self.data.get(f"d:{key}") or "").strip()
            values[key] = {
                "grade": int(raw) if raw.isdigit() else raw or None,
                "note": note,
                "direction": direction,
            }
        return values

    def clean(self):
        cleaned = super().clean()
        cells = []
        for key, value in self.posted_values().items():
            parts = key.split(".")
            if len(parts) != 3:
                self.cell_errors[key] = "Unknown cell."
                continue
            grade = value["grade"]
            if grade is not None and grade not in Grade.values:
                self.cell_errors[key] = "Choose a grade from 0 to 3."
                continue
            if len(value["note"]) > NOTE_MAX:
                self.cell_errors[key] = f"Keep the note under {NOTE_MAX} characters."
                continue
            if "\x00" in value["note"]:
                # Django's CharField refuses NUL too; PostgreSQL cannot store it.
                self.cell_errors[key] = "The note contains a character that cannot be stored."
                continue
            cells.append(
                CellInput(parts[0], parts[1], parts[2], grade, value["note"], value["direction"])
            )
        cleaned["cells"] = cells
        if self.cell_errors:
            raise forms.ValidationError("Some cells need attention; they are marked below.")
        return cleaned

    def add_cell_errors(self, errors: dict[str, str]) -> None:
        self.cell_errors.update(errors)
        self.add_error(None, "Some cells need attention; they are marked below.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    def clean(self, data, initial=None):
        single = super().clean
        items = [item for item in data if item] if isinstance(data, list | tuple) else [data]
        items = [item for item in items if item]
        if not items:
            single(None, initial)  # "required" error
            return []
        return [single(item, initial) for item in items]


MAX_FILES_PER_UPLOAD = 12


class PhotoUploadForm(forms.Form):
    expression = forms.ModelChoiceField(
        queryset=Expression.objects.all(), required=False, empty_label="General (no expression)"
    )
    moment = forms.ChoiceField(
        choices=[("", "—"), *PhotoMoment.choices], required=False, label="When"
    )
    files = MultiplePhotoField(
        label="Photos",
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        help_text=f"JPEG, PNG or HEIC; up to {MAX_BYTES // 1024 // 1024} MB each.",
        error_messages={"required": "Choose or take at least one photo."},
    )
    # Set by the guided capture (static/js/photo_capture.js) when it sends its frame:
    # such a photo is checked frontal and level before it is stored (planning.photos).
    guided = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise forms.ValidationError(
                f"Upload at most {MAX_FILES_PER_UPLOAD} photos at once ({len(files)} chosen)."
            )
        return files


class OutsideDoseForm(forms.Form):
    """Toxin from elsewhere, as the patient reports it (planning.outside_doses)."""

    given_on = forms.DateField(
        label="When", widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    month_only = forms.BooleanField(label="Only the month is known", required=False)
    product = forms.ModelChoiceField(
        queryset=Product.objects.all(), required=False, empty_label="Product unknown"
    )
    units = forms.CharField(label="Units", max_length=12, required=False, help_text="If known.")
    where = forms.CharField(
        label="Where / what for",
        max_length=120,
        required=False,
        help_text="e.g. migraine, another clinic.",
    )


class NotTreatedForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why the patient is not treated today", choices=NotTreatedReason.choices
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required for 'Other'; what was discussed and what happens next.",
    )
