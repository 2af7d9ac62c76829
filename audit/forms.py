from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms

from clinic.forms import DateRangeForm
from clinic.models import User

from .models import Action


class AuditFilterForm(DateRangeForm):
    patient = forms.CharField(
        required=False,
        max_length=20,
        label="Patient chart number or id",
    )
    user = forms.ModelChoiceField(
        required=False, queryset=User.objects.order_by("last_name", "first_name"), label="Staff"
    )
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *Action.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("patient", css_class="col-md-3"),
                Column("user", css_class="col-md-3"),
                Column("action", css_class="col-md-2"),
                Column("date_from", css_class="col-md-2"),
                Column("date_to", css_class="col-md-2"),
            ),
            Submit("filter", "Filter", css_class="btn-lg"),
        )
