"""The clinic admin's import of patients from another system's CSV: upload, a preview
with every row's problems, then all or nothing (``clinic.patient_import``), audited.

On charting's floor because the import is recorded in the audit log (above clinic)
in the transaction that stores the patients."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit.events import record
from audit.models import Action
from clinic import once, patient_import
from clinic.access import role_required
from clinic.errors import RuleError
from clinic.forms import PatientImportForm
from clinic.roles import Role

READY_SHOWN = 100  # rows without a problem listed in the preview (all problems are)


@role_required(Role.ADMIN)
def patient_import_page(request):
    """GET: the upload form and the waiting file's preview. POST: a file read and kept."""
    form = PatientImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        parsed = patient_import.read_csv(upload)
        if parsed.refusal:
            form.add_error("file", parsed.refusal)
        else:
            patient_import.stage(parsed=parsed, user=request.user, file_name=upload.name or "")
            return redirect("patient_import")  # the preview is a page of its own: reloads
    waiting = patient_import.waiting_for(request.user)
    context = {"form": form, "waiting": waiting}
    if waiting is not None:
        problems = waiting.problem_rows
        ready = [row for row in waiting.rows if not row["problems"]]
        context |= {
            "problem_rows": [_shown(row) for row in problems],
            "ready_rows": [_shown(row) for row in ready[:READY_SHOWN]],
            "ready_count": len(ready),
            "ready_more": max(0, len(ready) - READY_SHOWN),
            "columns": [(k, label) for k, (label, _) in patient_import.COLUMNS.items()],
            "token": once.new_token(),
        }
    return render(request, "clinic/patient_import.html", context)


def _shown(row: dict) -> dict:
    return {
        "line": row["line"],
        "cells": [patient_import.shown(row["values"][k]) for k in patient_import.COLUMNS],
        "problems": row["problems"],
    }


@role_required(Role.ADMIN)
@require_POST
def patient_import_confirm(request):
    """Import the waiting file: every patient or none; the audit event with them."""
    try:
        with once.submit_once(request) as submit:
            if submit.earlier:  # a double submit: the first one imported the file
                messages.info(request, "This file was already imported; imported once.")
                return redirect(submit.earlier)
            upload = patient_import.waiting_for(request.user)
            if upload is None:
                raise RuleError(patient_import.EXPIRED)
            sha256, rows = upload.file_sha256, len(upload.rows)
            patients = patient_import.import_patients(
                upload=upload, sha256=request.POST.get("sha256", "")
            )
            # who (the event's actor), how many, which file: no patient data here
            record(
                request=request,
                action=Action.CREATE,
                object_type="clinic.patient",
                object_id="import",
                detail={"imported": len(patients), "rows": rows, "file_sha256": sha256},
            )
            target = reverse("patient_list")
            submit.stored(target)
    except RuleError as error:
        patient_import.recheck(user=request.user)
        messages.error(request, error.message)
        return redirect("patient_import")
    messages.success(request, f"Imported {len(patients)} patients.")
    return redirect(target)


@role_required(Role.ADMIN)
def patient_import_template(request):
    response = HttpResponse(patient_import.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="patients-template.csv"'
    return response
