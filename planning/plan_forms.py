"""Forms of the plan screens. The points come as one JSON field, validated point
by point (``planning.plan_points.parse_points``) so a bad point names itself."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from .choices import Side
from .dilution import labeled_diluent_ml, labeled_diluents
from .models import Muscle, PlanTemplate, Product
from .plan_points import muscles_by_code, parse_points
from .units import format_units

DILUENTS = [Decimal("1.00"), Decimal("1.25"), Decimal("1.50"), Decimal("2.00"), Decimal("2.50"),
            Decimal("3.00"), Decimal("4.00")]  # fmt: skip
INITIAL_VIAL = 100


class PlanStartForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.active(), empty_label=None, label="Product"
    )
    vial_units = forms.TypedChoiceField(coerce=int, label="Vial size (U)")
    diluent_ml = forms.DecimalField(
        label="Saline added (mL)",
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal("10"),
        decimal_places=3,
        help_text="Concentration = vial units ÷ saline mL; volumes per point follow from it. "
        "Offered: the product's labeled dilution for the vial (left empty, the same).",
    )
    start_from = forms.ChoiceField(label="Start from", initial="blank")

    def __init__(self, *args, templates=(), last_plans=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = list(Product.objects.active())  # query: the products offered
        sizes = sorted({s for p in self.products for s in p.vial_sizes})
        self.fields["vial_units"].choices = [(s, f"{s} U") for s in sizes]
        vial = INITIAL_VIAL
        first = self.products[0] if self.products else None  # the product selected at first
        if first is not None:
            vial = INITIAL_VIAL if INITIAL_VIAL in first.vial_sizes else first.vial_sizes[-1]
            ml = labeled_diluent_ml(product=first, vial_units=vial)
            self.fields["diluent_ml"].initial = format_units(ml)  # 2.5, not 2.500
        self.fields["vial_units"].initial = vial
        # Each product's labeled dilution, shown by the saline field (the page's script
        # offers the mL for the chosen product and vial).
        self.dilutions = [(p, labeled_diluents(p)) for p in self.products]
        self.labeled_ml = {
            str(p.pk): {str(size): format_units(ml) for size, ml in sizes.items()}
            for p, sizes in self.dilutions
        }
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
        elif product and data.get("vial_units") and data.get("diluent_ml", 0) is None:
            # Saline left empty (not invalid): the label's dilution for the vial.
            data["diluent_ml"] = labeled_diluent_ml(product=product, vial_units=data["vial_units"])
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


class KeepForm(forms.Form):
    """Keep (spare) one muscle segment and side of a draft plan, or stop keeping it."""

    muscle = forms.CharField(max_length=8)
    side = forms.ChoiceField(choices=Side.choices)
    reason = forms.CharField(max_length=120, required=False, strip=True)
    action = forms.ChoiceField(choices=[("keep", "Keep"), ("release", "Stop keeping")])

    def clean_muscle(self):
        code = self.cleaned_data["muscle"]
        muscle = Muscle.objects.filter(code=code).first()
        if muscle is None:
            raise forms.ValidationError("Choose a muscle segment.")
        return muscle
