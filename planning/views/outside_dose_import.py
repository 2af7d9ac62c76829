"""The clinic admin's import of past toxin treatments (patient-reported history)
from another system's CSV: upload, a preview with every row's problems, then all or
nothing (``planning.outside_dose_import``), audited: each dose's creation as it is
stored (the audit log's own event, with its patient: in the patient's audit trail)
and one event for the file (who, how many, the file's hash; no patient data)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit.events import record
from audit.models import Action
from clinic import once
from clinic.access import role_required
from clinic.errors import RuleError
from clinic.forms import PatientImportForm
from clinic.patient_import import shown
from clinic.roles import Role

from .. import outside_dose_import as dose_import

READY_SHOWN = 100  # rows without a problem listed in the preview (all problems are)


class DoseImportForm(PatientImportForm):
    """The same upload field as the patients' import, its own words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "CSV file of past toxin treatments"
        self.fields[
            "file"
        ].help_text = "UTF-8 CSV with a header line; up to 5,000 treatments per file."


@role_required(Role.ADMIN)
def outside_dose_import_page(request):
    """GET: the upload form and the waiting file's preview. POST: a file read and kept."""
    form = DoseImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        parsed = dose_import.read_csv(upload)
        if parsed.refusal:
            form.add_error("file", parsed.refusal)
        else:
            dose_import.stage(parsed=parsed, user=request.user, file_name=upload.name or "")
            return redirect("planning:outside_dose_import")
    waiting = dose_import.waiting_for(request.user)
    context = {"form": form, "waiting": waiting}
    if waiting is not None:
        ready = [row for row in waiting.rows if not row["problems"]]
        context |= {
            "problem_rows": [_shown(row) for row in waiting.problem_rows],
            "ready_rows": [_shown(row) for row in ready[:READY_SHOWN]],
            "ready_count": len(ready),
            "ready_more": max(0, len(ready) - READY_SHOWN),
            "columns": [(k, label) for k, (label, _) in dose_import.COLUMNS.items()],
            "token": once.new_token(),
        }
    status = 400 if form.errors else 200
    return render(request, "planning/outside_dose_import.html", context, status=status)


def _shown(row: dict) -> dict:
    store = row.get("store") or {}
    return {
        "line": row["line"],
        "cells": [shown(row["values"][k]) for k in dose_import.COLUMNS],
        "problems": row["problems"],
        "patient": store.get("patient", ""),
        "units": store.get("shown_units", ""),
    }


@role_required(Role.ADMIN)
@require_POST
def outside_dose_import_confirm(request):
    """Import the waiting file: every dose or none; the audit events with them."""
    try:
        with once.submit_once(request) as submit:
            if submit.earlier:  # a double submit: the first one imported the file
                messages.info(request, "This file was already imported; imported once.")
                return redirect(submit.earlier)
            upload = dose_import.waiting_for(request.user)
            if upload is None:
                raise RuleError(dose_import.EXPIRED)
            sha256, rows = upload.file_sha256, len(upload.rows)
            doses = dose_import.import_doses(
                upload=upload, sha256=request.POST.get("sha256", ""), by=request.user
            )
            # each dose's own event (with its patient) is the audit log's, as it is
            # stored; this one says who imported which file: no patient data here
            record(
                request=request,
                action=Action.CREATE,
                object_type="planning.outsidedose",
                object_id="import",
                detail={"imported": len(doses), "rows": rows, "file_sha256": sha256},
            )
            target = reverse("planning:outside_dose_import")
            submit.stored(target)
    except RuleError as error:
        dose_import.recheck(user=request.user)
        messages.error(request, error.message)
        return redirect("planning:outside_dose_import")
    messages.success(
        request,
        f"Imported {len(doses)} past toxin treatments as patient-reported history: each "
        "counts in the interval and the cumulative ceiling.",
    )
    return redirect(target)


@role_required(Role.ADMIN)
def outside_dose_import_template(request):
    response = HttpResponse(dose_import.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="past-toxin-template.csv"'
    return response
