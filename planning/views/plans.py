"""The plan screens: start a plan, the editor (diagram + table), live checks,
templates and "start from last plan". Thin: rules live in planning.plans,
planning.dosing and planning.suggestions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic.access import role_required
from clinic.roles import CLINICAL_ROLES

from .. import keeps as planning_keeps
from .. import plans as planning_plans
from .. import reference_cache
from ..access import get_plan_for, get_visit_for
from ..dosing import BLOCK
from ..models import PlanTemplate, TreatmentPlan
from ..plan_forms import ApplyForm, KeepForm, PlanSaveForm, PlanStartForm, TemplateForm
from ..plan_points import as_points
from ..screening import screening_state
from .plan_page import editor_context, panel_context


@role_required(*CLINICAL_ROLES)
def plan_for_visit(request, visit_id: int):
    """The visit's plan: open the latest one, or start one."""
    visit = get_visit_for(request.user, visit_id)  # query: visit, patient, location, injector
    if request.method == "GET" and "new" not in request.GET:
        latest = visit.plans.order_by("-created_at", "-id").first()  # query: the latest plan
        if latest is not None:
            return redirect(latest)
    templates = list(
        PlanTemplate.objects.active().select_related("product")
    )  # query: templates with their product
    last_plans = {}
    for plan in (
        TreatmentPlan.objects.for_patient(visit.patient_id)
        .filter(visit__date__lte=visit.date)
        .exclude(visit=visit)
        .select_related("visit", "product")
        .latest_first()
    ):  # query: the patient's plans, newest first; the first of each product counts
        last_plans.setdefault(plan.product_id, plan)
    form = PlanStartForm(request.POST or None, templates=templates, last_plans=last_plans)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = planning_plans.start_plan(
                visit=visit,
                product=data["product"],
                vial_units=data["vial_units"],
                diluent_ml=data["diluent_ml"],
                by=request.user,
                template=data["template"],
                from_last=data["from_last"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Plan started with {plan.product.brand}.")
            return redirect(plan)
    return render(
        request,
        "planning/plan_start.html",
        {
            "visit": visit,
            "screening": screening_state(visit=visit),
            "form": form,
            "existing": visit.plans.select_related("product"),
            "step": "plan",
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@role_required(*CLINICAL_ROLES)
def plan_editor(request, plan_id: int):
    muscles = reference_cache.muscles()  # query unless cached: the points' muscles, selects
    # query: the plan, its visit's people, product, points, keeps and latest screening
    # (a GET asks for a final plan's kept points only if it needs them as rows:
    # editor_context)
    plan = get_plan_for(
        request.user, plan_id, muscles=muscles, place_points=request.method == "POST"
    )
    # no query when the visit's latest screening is current (1 to confirm "no change")
    state = screening_state(visit=plan.visit, latest=plan.visit.latest_screening)
    # A form only for what was posted: the page writes its own fields (a GET reads
    # nothing of an unbound form but that it is not bound).
    form = None
    conflict = None
    if request.method == "POST":
        form = PlanSaveForm(request.POST, initial={"version": plan.version, "notes": plan.notes})
        if plan.is_final:
            messages.error(request, "This plan is final and can no longer be changed.")
            return redirect(plan)
        if form.is_valid():
            data = form.cleaned_data
            finalize = request.POST.get("action") == "finalize"
            try:
                if finalize:
                    planning_plans.finalize_plan(
                        plan=plan,
                        points=data["points"],
                        expected_version=data["version"],
                        by=request.user,
                        acknowledgment=data["acknowledgment"],
                        notes=data["notes"],
                        screening=state,
                    )
                else:
                    _, checks = planning_plans.save_plan(
                        plan=plan,
                        points=data["points"],
                        expected_version=data["version"],
                        notes=data["notes"],
                        screening=state,
                    )
            except planning_plans.PlanConflict as exc:
                conflict = exc
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                if finalize:
                    messages.success(request, "Plan finalized: it is ready for charting.")
                else:
                    blocked = sum(c.level == BLOCK for c in checks)
                    note = f" {blocked} check(s) block finalizing." if blocked else ""
                    messages.success(request, f"Plan saved (version {plan.version}).{note}")
                return redirect(plan)
    context = editor_context(
        plan=plan,
        screening=state,
        form=form,
        conflict=conflict,
        muscles=muscles,
        aids=request.GET.get("aids") == "1",
    )
    status = 409 if conflict else (400 if form is not None else 200)
    return render(request, "planning/plan_editor.html", context, status=status)


@role_required(*CLINICAL_ROLES)
@require_POST
def plan_preview(request, plan_id: int):
    """Totals and dose checks for the points on the page, before saving (the
    server's rules, live): the panel's HTML."""
    plan = get_plan_for(request.user, plan_id)
    form = PlanSaveForm(request.POST)
    form.is_valid()
    points = as_points(form.parsed_points, plan=plan)
    state = screening_state(visit=plan.visit, latest=plan.visit.latest_screening)
    context = panel_context(plan=plan, points=points, screening=state)
    context["point_errors"] = form.errors.get("points", [])
    return render(request, "planning/_plan_panel.html", context)


@role_required(*CLINICAL_ROLES)
@require_POST
def plan_apply(request, plan_id: int):
    """Replace the draft's points with a template's or the last plan's."""
    plan = get_plan_for(request.user, plan_id)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect(plan)
    source, version = form.cleaned_data["source"], form.cleaned_data["version"]
    try:
        if source == "last":
            planning_plans.copy_last_plan(plan=plan, expected_version=version, by=request.user)
            messages.success(
                request, "Points and kept segments copied from the last plan. Review and save."
            )
        else:
            planning_plans.apply_template(plan=plan, template=source, expected_version=version)
            messages.success(request, f"Template “{source.name}” applied. Review and save.")
    except planning_plans.PlanConflict as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(plan)


@role_required(*CLINICAL_ROLES)
@require_POST
def plan_save_template(request, plan_id: int):
    plan = get_plan_for(request.user, plan_id)
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            template = planning_plans.save_as_template(
                plan=plan, name=form.cleaned_data["name"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Saved as template “{template.name}”.")
    else:
        messages.error(request, "Name the template.")
    return redirect(plan)


@role_required(*CLINICAL_ROLES)
@require_POST
def plan_keep(request, plan_id: int):
    """Keep (spare) a muscle segment and side of the draft, with a reason, or stop
    keeping it (planning.keeps)."""
    plan = get_plan_for(request.user, plan_id)
    form = KeepForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect(plan)
    data = form.cleaned_data
    muscle, side = data["muscle"], data["side"]
    try:
        if data["action"] == "keep":
            planning_keeps.keep_segment(
                plan=plan, muscle=muscle, side=side, reason=data["reason"], by=request.user
            )
            messages.success(
                request, f"{planning_keeps.segment_words(muscle, side)} is kept on this plan."
            )
        else:
            planning_keeps.release_segment(plan=plan, muscle=muscle, side=side)
            messages.success(
                request, f"{planning_keeps.segment_words(muscle, side)} is no longer kept."
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(plan)
