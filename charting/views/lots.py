"""Lots (list for clinical staff; admin adds, edits, recalls), vials, the recall search."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.access import role_required
from clinic.forms import show_on_form
from clinic.roles import CLINICAL_ROLES, Role

from ..access import get_lot_for, get_treatment_for
from ..errors import ChartingError
from ..forms import LotForm, LotStatusForm, RecallForm, VialForm
from ..lot_recall import recall_csv, recall_search
from ..lots import lot_refusal, reconstitute, set_lot_status
from ..models import Lot
from .chart import _chart_page, _refuse_signed


@role_required(*CLINICAL_ROLES)
def lot_list(request):
    today = timezone.localdate()
    lots = list(
        Lot.objects.select_related("product").annotate(vials_used=Count("vials"))
    )  # query: lots with their product and vials reconstituted
    for lot in lots:
        lot.refusal = lot_refusal(lot=lot, product=lot.product, on=today)
    return render(
        request,
        "charting/lot_list.html",
        {"lots": lots, "may_manage": request.user.has_role(Role.ADMIN)},
    )


@role_required(Role.ADMIN)
def lot_create(request):
    form = LotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Lot {form.instance.number} added.")
        return redirect("charting:lot_list")
    return render(
        request, "charting/lot_form.html", {"form": form}, status=422 if form.errors else 200
    )


@role_required(Role.ADMIN)
def lot_edit(request, lot_id: int):
    lot = get_lot_for(request.user, lot_id, manage=True)
    form = LotForm(request.POST or None, instance=lot, prefix="lot")
    status_form = LotStatusForm(
        request.POST or None,
        prefix="status",
        initial={"status": lot.status, "status_note": lot.status_note},
    )
    if request.method == "POST" and form.is_valid() and status_form.is_valid():
        try:
            with transaction.atomic():
                form.save()
                set_lot_status(
                    lot=lot,
                    status=status_form.cleaned_data["status"],
                    note=status_form.cleaned_data["status_note"],
                )
        except ChartingError as exc:
            status_form.add_error(
                exc.field if exc.field in status_form.fields else None, exc.message
            )
        else:
            messages.success(request, f"Lot {lot.number} saved ({lot.get_status_display()}).")
            return redirect("charting:lot_list")
    return render(
        request,
        "charting/lot_form.html",
        {"form": form, "status_form": status_form, "lot": lot},
        status=422 if form.errors or status_form.errors else 200,
    )


@role_required(*CLINICAL_ROLES)
@require_POST
def vial_add(request, visit_id: int):
    visit, treatment = get_treatment_for(request.user, visit_id)
    if refused := _refuse_signed(request, visit, treatment):
        return refused
    form = VialForm(request.POST, product=treatment.product, plan=treatment.plan)
    if form.is_valid():
        try:
            vial = reconstitute(product=treatment.product, by=request.user, **form.cleaned_data)
        except ChartingError as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, f"Vial recorded: {vial}.")
            return redirect("charting:chart", visit_id=visit.pk)
    return _chart_page(request, visit, treatment, status=422, vial_form=form)


@role_required(Role.ADMIN)
def recall(request):
    form = RecallForm(request.GET or None)
    result = recall_search(number=form.data.get("number", "")) if form.is_valid() else None
    return render(request, "charting/lot_recall.html", {"form": form, "recall": result})


@role_required(Role.ADMIN)
def recall_export(request):
    result = recall_search(number=request.GET.get("number", ""))
    if not result.number:
        messages.error(request, "Enter a lot number to export.")
        return redirect("charting:lot_recall")
    response = HttpResponse(recall_csv(result), content_type="text/csv; charset=utf-8")
    safe = "".join(c for c in result.number if c.isalnum() or c in "-_") or "lot"
    response["Content-Disposition"] = f'attachment; filename="recall-{safe}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
