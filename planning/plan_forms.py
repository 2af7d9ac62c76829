"""Forms of the plan screens. The points come as one JSON field, validated point
by point (``planning.plan_points.parse_points``) so a bad point names itself."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from .models import PlanTemplate, Product
from .plan_points import muscles_by_code, parse_points

DILUENTS = [Decimal("1.00"), Decimal("1.25"), Decimal("1.50"), Decimal("2.00"), Decimal("2.50"),
            Decimal("3.00"), Decimal("4.00")]  # fmt: skip


class PlanStartForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.active(), empty_label=None, label="Product"
    )
    vial_units = forms.TypedChoiceField(coerce=int, label="Vial size (U)")
    diluent_ml = forms.DecimalField(
        label="Saline added (mL)",
        min_value=Decimal("0.5"),
        max_value=Decimal("10"),
        decimal_places=2,
        initial=Decimal("2.50"),
        help_text="Concentration = vial units ÷ saline mL; volumes per point follow from it.",
    )
    start_from = forms.ChoiceField(label="Start from", initial="blank")

    def __init__(self, *args, templates=(), last_plans=None, **kwargs):
        super().__init__(*args, **kwargs)
        sizes = sorted({s for p in Product.objects.active() for s in p.vial_sizes})
        self.fields["vial_units"].choices = [(s, f"{s} U") for s in sizes]
        self.fields["vial_units"].initial = 100
        choices = [("blank", "An empty diagram")]
        for product_id, plan in (last_plans or {}).items():
            label = f"Last {plan.product.brand} plan ({plan.visit.date:%b %-d, %Y})"
            choices.append((f"last-{product_id}", label))
        choices += [(f"template-{t.pk}", f"Template: {t.name}") for t in templates]
        self.fields["start_from"].choices = choices
        self.templates = {t.pk: t for t in templates}

    def clean(self):
        data = super().clean()
        product, start = data.get("product"), data.get("start_from", "blank")
        data["template"], data["from_last"] = None, False
        if product and data.get("vial_units") and data["vial_units"] not in product.vial_sizes:
            sizes = ", ".join(f"{s} U" for s in product.vial_sizes)
            self.add_error("vial_units", f"{product.brand} comes in {sizes} vials.")
        if product and start.startswith("template-"):
            template = self.templates.get(int(start.removeprefix("template-")))
            if template is None:
                self.add_error("start_from", "Choose a template from the list.")
            elif template.product_id != product.pk:
                self.add_error(
                    "start_from",
                    f"“{template.name}” is a {template.product.brand} template; units of "
                    f"different products cannot be exchanged. Choose {template.product.brand} "
                    "or another template.",
                )
            data["template"] = template
        if product and start.startswith("last-"):
            if start != f"last-{product.pk}":
                self.add_error("start_from", "That last plan is for another product.")
            data["from_last"] = True
        return data


class PlanSaveForm(forms.Form):
    """The whole plan as the editor posts it."""

    points = forms.CharField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    overwrite = forms.IntegerField(widget=forms.HiddenInput, required=False)
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Plan notes"
    )
    acknowledgment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Acknowledgment",
        help_text="Needed to finalize when a warning asks for it.",
    )

    def __init__(self, *args, muscles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.muscles = muscles
        self.parsed_points = []
        self.point_errors: dict[int, str] = {}

    def clean(self):
        data = super().clean()
        if self.muscles is None:
            self.muscles = muscles_by_code()  # query: muscles, only when validating
        points, errors = parse_points(data.get("points") or "[]", muscles=self.muscles)
        self.parsed_points, self.point_errors = points, errors
        for n, message in sorted(errors.items()):
            self.add_error("points", message if n < 0 else f"Point {n + 1}: {message}")
        data["points"] = points
        # "Save mine over theirs" after a conflict: the version the injector saw in the warning.
        if data.get("overwrite"):
            data["version"] = data["overwrite"]
        return data


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=80, label="Template name")


class ApplyForm(forms.Form):
    source = forms.CharField()
    version = forms.IntegerField(min_value=1)

    def clean_source(self):
        source = self.cleaned_data["source"]
        if source == "last":
            return source
        if source.startswith("template-") and source.removeprefix("template-").isdigit():
            template = (
                PlanTemplate.objects.select_related("product")
                .filter(pk=int(source.removeprefix("template-")))
                .first()
            )
            if template is not None:
                return template
        raise forms.ValidationError("Choose a template or the last plan.")
