"""The chart of a visit: start from the plan, record what was given, sign, addenda."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import once
from clinic.access import id_from, role_required
from clinic.forms import show_on_form
from clinic.roles import CLINICAL_ROLES, Role
from planning import reference_cache
from planning.dosing import BLOCK, departures, totals_by_muscle_side, volume_ml
from planning.models import PlanKeep, PlanStatus
from planning.screening import screening_state

from .. import rendered_once, seal, signing
from ..access import get_treatment_for
from ..aftercare import aftercare_context
from ..chart import (
    ChartErrors,
    StaleChart,
    add_adverse_event,
    chart_from_plan,
    dose_checks,
    injections_as_posted,
    planned_points,
    save_chart,
    screening_refusal,
)
from ..consent import consent_in_force
from ..errors import ChartingError
from ..forms import AddendumForm, AdverseEventForm, SignForm, VialForm, chart_input_from_post
from ..lots import left_in_vials, usable_vials, vials_used_for_other_patients
from ..reports.models import ReportJob
from ..reports.patient_summary import timeline_for_treatment
from ..reports.summary_email import email_summary
from ..reviews.models import Review
from . import signed_reads

# What the reports card (reports/_visit_reports.html) shows of a job, beside its id.
_REPORT_SHOWN = ("kind", "status", "requested_at")


def _chart_page(request, visit, treatment, *, status=200, **extra):
    """Render the chart with what it shows; a fixed number of queries (see tests)."""
    context = {"visit": visit, "treatment": treatment, "step": "chart"}
    if treatment and treatment.is_signed:
        # query: the seal's rows, addenda, due review, report jobs, screening (one statement)
        rows = signed_reads.read(treatment)
        # the screening's state from the visit's latest screening read above (a second
        # query only when it is not current: the patient's latest, to confirm)
        context["screening"] = screening_state(visit=visit, latest=rows.screening)
        context["visit_reports"] = rows.reports
        context.update(_signed_parts(request, treatment, rows, extra))
        context.update(_as_signed(visit, treatment, rows))
        return render(request, "charting/chart_signed.html", context | extra, status=status)
    context["screening"] = screening_state(visit=visit)  # 1-2 queries: the screening
    # query: the visit's report jobs (consent and injection-map PDFs), newest first
    context["visit_reports"] = list(
        ReportJob.objects.for_visit(visit).latest_first().only(*_REPORT_SHOWN)[:10]
    )
    context["consent"] = consent_in_force(visit=visit)  # query: the consent in force
    if treatment is None:
        plans = list(
            visit.plans.filter(status=PlanStatus.FINAL).select_related("product")
        )  # query: the visit's final plans
        context.update(plans=plans, has_draft=visit.plans.drafts().exists())  # query: drafts
        return render(request, "charting/chart_start.html", context | extra, status=status)
    injections = list(treatment.injections.for_pages())  # query: injections, muscles, vials, lots
    context.update(
        injections=injections,
        vials_used=list({i.vial_id: i.vial for i in injections if i.vial}.values()),
        events=list(treatment.adverse_events.select_related("recorded_by")),  # query: events
    )
    context.update(_drawn(injections))
    # query: the segments the plan keeps (spared, planning.keeps), hatched on the diagram
    context["kept"] = list(
        PlanKeep.objects.filter(plan_id=treatment.plan_id).select_related("muscle")
    )
    context.update(_open_parts(visit, treatment, injections, context["consent"], extra))
    return render(request, "charting/chart.html", context | extra, status=status)


def _drawn(injections) -> dict:
    """Each injection's volume, the totals per muscle and side, the diagram's points."""
    for i in injections:
        i.volume = volume_ml(i.units, i.vial.vial_units, i.vial.diluent_ml) if i.vial else None
    return {
        "totals": totals_by_muscle_side(injections),
        "diagram_points": [i for i in injections if i.x is not None],
    }


def _as_signed(visit, treatment, rows) -> dict:
    """What was signed is what is shown. The seal checked over the stored values on
    every view (a mismatch said on the page and audited); the names of the muscles,
    product and lots as the chart showed them at signing; the consent in force at
    signing, and a withdrawal after it as a later event. What the signature covers
    (the injections, the diagram and totals, the facts) is rendered once and kept by
    the seal (``rendered_once``), never when it mismatches.

    No query of its own when the part is kept: the rows checked are ``rows``
    (``signed_reads``: the injections as values with their muscles and vials, the
    events, the consents, read with the rest of the page in one statement); on a first
    read, or when the seal does not match, the rows are read again as models (two
    more), checked again (audited when they do not match) and the part is rendered
    from them."""
    injections, events, consents, vials = rows.injections, rows.events, rows.consents, rows.vials
    state = seal.state_of_rows(
        treatment=treatment, injections=injections, adverse_events=events, consents=consents
    )
    signed_html = None
    if state is not seal.SealState.MISMATCH:
        seal.as_signed(treatment=treatment, injections=injections)
        signed_html = rendered_once.kept(
            kind="chart",
            record=treatment,
            state=state,
            templates=rendered_once.CHART_PARTS,
            draws_with=rendered_once.CHART_DRAWS_WITH,
            shows=rendered_once.uncovered(treatment=treatment, injections=injections),
        )
    if signed_html is None:
        state, signed_html, vials = _signed_rendered(visit, treatment, consents)
    return {
        "seal_ok": state is not seal.SealState.MISMATCH,
        "seal_unkeyed": state is seal.SealState.UNKEYED,
        "mismatch_message": seal.MISMATCH_MESSAGE,
        "unkeyed_message": seal.UNKEYED_MESSAGE,
        "vials_used": vials,
        "signed_html": signed_html,
        "consent": seal.consent_at_signing(consents, treatment.signed_at),
        "signed_consent": seal.signed_consent(treatment),
    }


def _signed_rendered(visit, treatment, consents) -> tuple:
    """The signed part rendered from the rows as models (two queries: the injections
    with muscles, vials and lots; the events), checked over those very rows (a mismatch
    audited) and kept only when they match: the seal's state, the parts, the vials."""
    injections = list(treatment.injections.for_pages())
    events = list(treatment.adverse_events.select_related("recorded_by"))
    state = seal.checked(
        treatment=treatment,
        injections=injections,
        adverse_events=events,
        consents=consents,
        where="chart page",
    )
    seal.as_signed(treatment=treatment, injections=injections)
    signed_html = rendered_once.parts(
        kind="chart",
        record=treatment,
        state=state,
        templates=rendered_once.CHART_PARTS,
        draws_with=rendered_once.CHART_DRAWS_WITH,
        shows=rendered_once.uncovered(treatment=treatment, injections=injections),
        context=lambda: {
            "visit": visit,
            "treatment": treatment,
            "injections": injections,
            "events": events,
            **_drawn(injections),
        },
    )
    return state, signed_html, list({i.vial_id: i.vial for i in injections if i.vial}.values())


def _signed_parts(request, treatment, rows, extra) -> dict:
    """What a signed chart adds: addenda, the review due since signing and its booking
    (read with the seal's rows, ``signed_reads``)."""
    may_add = signing.may_add_addendum(treatment=treatment, user=request.user)
    return {
        "addenda": rows.addenda,
        "due_review": rows.due_review,
        "may_add_addendum": may_add,
        # the form only for who may add one (the page shows it to them only)
        "addendum_form": (extra.pop("addendum_form", None) or AddendumForm()) if may_add else None,
    }


def _open_parts(visit, treatment, injections, consent, extra) -> dict:
    """What an open chart adds: its form rows (as posted after a refusal), the vials,
    the signing checklist, the forms."""
    now = timezone.now()
    posted, errors = extra.pop("posted", None), extra.pop("errors", {})
    _bind_rows(injections, posted, errors)
    parts = {}
    if signing.is_touch_up_visit(visit):
        parts.update(touch_up_message=signing.TOUCH_UP_MESSAGE, review_id=_review_id(visit))
    return parts | {
        # query: usable vials (none another patient's chart uses)
        "vials": usable_vials(product=treatment.product, at=now, patient_id=visit.patient_id),
        "muscles": list(reference_cache.muscles()),  # query unless cached: for an added point
        "checklist": signing.checklist(
            treatment=treatment,
            consent=consent,
            injections=injections,
            screening_reason=screening_refusal(visit=visit, product=treatment.product),
            at=now,
            # query (when the chart names vials): which of them other patients' charts use
            used_for_others=vials_used_for_other_patients(
                vial_ids=[i.vial_id for i in injections], patient_id=visit.patient_id
            ),
        ),  # 1-2 queries: the screening (again, for the product's restrictions)
        "vial_form": extra.pop("vial_form", None)
        or VialForm(product=treatment.product, plan=treatment.plan),  # query: lots (rendered)
        "adverse_form": extra.pop("adverse_form", None) or AdverseEventForm(),
        "sign_form": extra.pop("sign_form", None) or SignForm(),
        **_dose_parts(treatment, injections),
        "added_rows": _added_rows(posted, errors),
        "form_values": _form_values(treatment, posted),
        "errors": errors,
    }


def _dose_parts(treatment, injections) -> dict:
    """The dose rules on the chart as it stands (never stale: computed on every view,
    as signing will) and where it departs from the final plan. Queries: the plan's
    points (1), the patient's doses around the day (3-4), the ranges and limits
    (unless cached)."""
    if signing.is_touch_up_visit(treatment.visit):
        return {}
    planned = planned_points(treatment)  # query: the final plan's points
    checks = dose_checks(treatment=treatment, injections=injections, planned=planned)
    return {
        # query: what is left in the vials drawn from (recorded as waste at signing)
        "left_in_vials": left_in_vials(treatment=treatment),
        "dose_checks": checks,
        "dose_blocked": any(c.level == BLOCK for c in checks),
        "dose_needs_ack": any(c.needs_ack for c in checks),
        "departure_rows": departures(planned=planned, given=injections),
    }


def _review_id(visit) -> int | None:
    """The review held on this review visit: one query, review visits only."""
    return Review.objects.filter(visit=visit).values_list("pk", flat=True).first()


def _bind_rows(injections, posted, errors) -> None:
    """What each row shows: the posted value after a refused save, else the saved one."""
    for i in injections:
        i.form_units = posted.get(f"u-{i.pk}", "") if posted else f"{i.units.normalize():f}"
        i.form_vial = posted.get(f"v-{i.pk}", "") if posted else str(i.vial_id or "")
        i.form_skip = bool(posted and posted.get(f"skip-{i.pk}") == "on")
        i.form_note = posted.get(f"n-{i.pk}", "") if posted else i.note
        i.err_units = errors.get(f"i{i.pk}-units", "")
        i.err_vial = errors.get(f"i{i.pk}-vial", "")


def _added_rows(posted, errors) -> list[dict]:
    rows = []
    for n in range(3):
        key = f"add-{n}"
        rows.append(
            {
                "n": n,
                "units": posted.get(f"{key}-units", "") if posted else "",
                "muscle": posted.get(f"{key}-muscle", "") if posted else "",
                "side": posted.get(f"{key}-side", "") if posted else "",
                "note": posted.get(f"{key}-note", "") if posted else "",
                "errors": [
                    errors[f"{key}-{f}"]
                    for f in ("muscle", "side", "units", "vial")
                    if f"{key}-{f}" in errors
                ],
            }
        )
    return rows


def _form_values(treatment, posted) -> dict:
    if posted:
        return {
            "version": posted.get("version", ""),
            "wasted_units": posted.get("wasted_units", ""),
            "aftercare_given": posted.get("aftercare_given") == "on",
            "notes": posted.get("notes", ""),
            "vial_all": posted.get("vial_all", ""),
        }
    return {
        "version": treatment.version,
        "wasted_units": f"{treatment.wasted_units.normalize():f}",
        "aftercare_given": treatment.aftercare_given,
        "notes": treatment.notes,
        "vial_all": "",
    }


@role_required(*CLINICAL_ROLES)
def chart(request, visit_id: int):
    visit, treatment = get_treatment_for(request.user, visit_id)
    return _chart_page(request, visit, treatment)


@role_required(*CLINICAL_ROLES)
@require_POST
def start(request, visit_id: int):
    visit, treatment = get_treatment_for(request.user, visit_id)
    if treatment is None:
        plan = (
            visit.plans.filter(pk=id_from(request.POST.get("plan")))
            .select_related("product")
            .first()
        )
        if plan is None:
            messages.error(request, "Choose the final plan to chart from.")
        else:
            try:
                chart_from_plan(visit=visit, plan=plan, by=request.user)
            except ChartingError as exc:
                messages.error(request, exc.message)
    return redirect("charting:chart", visit_id=visit.pk)


def _refuse_signed(request, visit, treatment):
    """A POST that would change a signed (or missing) chart: refused, nothing changed."""
    if treatment is None:
        messages.error(request, "This visit has no chart yet.")
        return redirect("charting:chart", visit_id=visit.pk)
    if treatment.is_signed:
        messages.error(request, "This chart is signed and locked: add an addendum instead.")
        return _chart_page(request, visit, treatment, status=409)
    return None


@role_required(*CLINICAL_ROLES)
@require_POST
def save(request, visit_id: int):
    visit, treatment = get_treatment_for(request.user, visit_id)
    if refused := _refuse_signed(request, visit, treatment):
        return refused
    ids = list(treatment.injections.values_list("pk", flat=True))
    data = chart_input_from_post(request.POST, ids)
    try:
        save_chart(treatment=treatment, data=data, by=request.user)
    except ChartErrors as exc:
        messages.error(request, exc.message)
        return _chart_page(
            request, visit, treatment, status=422, posted=request.POST, errors=exc.errors
        )
    except StaleChart as exc:
        # Keep what this tab entered; saving again is now a deliberate choice.
        messages.error(request, exc.message)
        posted = request.POST.copy()
        treatment.refresh_from_db()
        posted["version"] = str(treatment.version)
        return _chart_page(request, visit, treatment, status=409, posted=posted)
    except ChartingError as exc:
        messages.error(request, exc.message)
        return _chart_page(request, visit, treatment, status=409, posted=request.POST)
    messages.success(request, "Chart saved.")
    return redirect("charting:chart", visit_id=visit.pk)


@role_required(*CLINICAL_ROLES)
@require_POST
def preview(request, visit_id: int):
    """The dose checks and the departures from the plan for the chart as it stands on
    the page, before saving (the server's rules, live): two fragments of HTML."""
    visit, treatment = get_treatment_for(request.user, visit_id)
    if treatment is None or treatment.is_signed or signing.is_touch_up_visit(visit):
        return HttpResponse(status=204)
    ids = list(treatment.injections.values_list("pk", flat=True))
    injections = injections_as_posted(
        treatment=treatment, data=chart_input_from_post(request.POST, ids)
    )
    return render(
        request, "charting/_chart_live.html", _dose_parts(treatment, injections) | {"live": True}
    )


@role_required(*CLINICAL_ROLES)
@require_POST
def adverse_event(request, visit_id: int):
    visit, treatment = get_treatment_for(request.user, visit_id)
    if refused := _refuse_signed(request, visit, treatment):
        return refused
    form = AdverseEventForm(request.POST)
    if form.is_valid():
        try:
            add_adverse_event(treatment=treatment, by=request.user, **form.cleaned_data)
        except ChartingError as exc:
            show_on_form(form, exc)
    if form.errors:
        return _chart_page(request, visit, treatment, status=422, adverse_form=form)
    messages.success(request, "Adverse event recorded.")
    return redirect("charting:chart", visit_id=visit.pk)


@role_required(Role.INJECTOR)
@require_POST
def sign(request, visit_id: int):
    visit, treatment = get_treatment_for(request.user, visit_id)
    if refused := _refuse_signed(request, visit, treatment):
        return refused
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            result = signing.sign_treatment(
                treatment=treatment,
                by=request.user,
                password=form.cleaned_data["password"],
                review_days=form.cleaned_data["review_days"],
                acknowledgment=form.cleaned_data["acknowledgment"],
            )
        except ChartingError as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, "Chart signed and locked.")
            if result.review is not None:
                when = timezone.localtime(result.review.starts_at)
                messages.success(request, f"Two-week review booked for {when:%a %b %-d at %H:%M}.")
            elif result.review_message:
                messages.warning(request, result.review_message)
            # The signature has committed: the patient's summary goes out, once.
            _email_summary(request, result.treatment)
            return redirect("charting:chart", visit_id=visit.pk)
    return _chart_page(request, visit, treatment, status=422, sign_form=form)


@role_required(*CLINICAL_ROLES)
@require_POST
def addendum(request, visit_id: int):
    visit, treatment = get_treatment_for(request.user, visit_id)
    if treatment is None or not treatment.is_signed:
        messages.error(request, "Addenda are added to a signed chart.")
        return redirect("charting:chart", visit_id=visit.pk)
    form = AddendumForm(request.POST)
    try:
        # A double submit (two clicks, a resent form, a second tab) stores one addendum.
        with once.submit_once(request) as submit:
            if submit.earlier:
                messages.info(request, "This addendum was already added; it is stored once.")
                return redirect(submit.earlier)
            if form.is_valid():
                data = {k: v for k, v in form.cleaned_data.items() if k != once.FIELD}
                signing.add_addendum(treatment=treatment, by=request.user, **data)
                submit.stored(reverse("charting:chart", args=[visit.pk]))
                messages.success(request, "Addendum added under the signed chart.")
                return redirect("charting:chart", visit_id=visit.pk)
    except ChartingError as exc:
        show_on_form(form, exc)
    return _chart_page(request, visit, treatment, status=422, addendum_form=form)


@role_required(*CLINICAL_ROLES)
def aftercare(request, visit_id: int):
    visit, treatment = get_treatment_for(request.user, visit_id)
    if treatment is None:
        return redirect("charting:chart", visit_id=visit.pk)
    timeline = timeline_for_treatment(treatment=treatment)
    return render(
        request,
        "charting/aftercare.html",
        aftercare_context(treatment=treatment, timeline=timeline),
    )


@role_required(*CLINICAL_ROLES)
@require_POST
def aftercare_email(request, visit_id: int):
    visit, treatment = get_treatment_for(request.user, visit_id)
    if treatment is None:
        return redirect("charting:chart", visit_id=visit.pk)
    _email_summary(request, treatment)
    return redirect("charting:aftercare", visit_id=visit.pk)


def _email_summary(request, treatment) -> None:
    """The patient's summary and aftercare by email, once (``reports.summary_email``),
    said on the next page; a send that fails is said too, never a 500."""
    try:
        address = email_summary(treatment=treatment, by=request.user)
    except ChartingError as exc:
        messages.warning(request, exc.message)
    except ValidationError as exc:  # nothing to explain (reports.ReportRefused)
        messages.warning(request, " ".join(exc.messages))
    except OSError:  # the mail server refused or is down: nothing was recorded
        messages.error(
            request,
            "The summary email could not be sent: try again from the aftercare page, or "
            "print the summary.",
        )
    else:
        messages.success(request, f"The patient's summary and aftercare were emailed to {address}.")


def signature_png(consent) -> HttpResponse:
    response = HttpResponse(bytes(consent.signature_png), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response
