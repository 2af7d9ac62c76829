from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from clinic.access import role_required
from clinic.roles import CLINICAL_ROLES

from ..access import LATEST_SCREENING, PHOTOS, get_visit_for
from ..asymmetry import SCALE_SENTENCE, any_measured, readings
from ..forms import MovementMapForm
from ..models.locking import VisitLockedError, locked_message
from ..movement import (
    build_grid,
    directions_summary,
    expressions_with_muscles,
    latest_map,
    map_with_cells,
    previous_cells,
    save_observations,
    summarize,
    valid_cells,
)
from ..screening import screening_state


def _save(request, visit, form, *, may_edit: bool):
    """The posted map saved as a whole (a redirect), or None with the form's errors."""
    if visit.is_locked:
        messages.error(request, locked_message("movement map"))
        return redirect("planning:movement_map", visit_id=visit.pk)
    if not may_edit:
        messages.error(request, "This visit cannot go further: see the screening.")
        return redirect("planning:screening", visit_id=visit.pk)
    if not form.is_valid():
        return None
    try:
        save_observations(
            visit=visit,
            by=request.user,
            cells=form.cleaned_data["cells"],
            notes=form.cleaned_data["notes"],
        )
    except VisitLockedError as exc:  # signed in another tab meanwhile
        messages.error(request, exc.message)
        return redirect("planning:movement_map", visit_id=visit.pk)
    except ValidationError as exc:
        form.add_cell_errors({k: " ".join(v) for k, v in exc.message_dict.items()})
        return None
    messages.success(request, "Movement map saved.")
    return redirect("planning:movement_map", visit_id=visit.pk)


@role_required(*CLINICAL_ROLES)
def movement_map(request, visit_id: int):
    # query: the visit with patient, location, injector, its latest screening and its
    # photos with their expressions and measurements (planning.asymmetry)
    visit = get_visit_for(request.user, visit_id, rows=(LATEST_SCREENING, PHOTOS))
    # no query when that screening is current (1 to confirm "no change")
    state = screening_state(visit=visit, latest=visit.latest_screening)
    expressions = list(expressions_with_muscles())  # 2 queries: expressions, their muscles
    posted = request.method == "POST"
    # The grid's cell keys name the posted cells it lacks (stray_errors): a GET has none.
    cell_keys = list(valid_cells(expressions)) if posted else []
    form = MovementMapForm(request.POST or None, cell_keys=cell_keys)
    may_edit = state.allows_exam and not visit.is_locked
    if posted and (saved := _save(request, visit, form, may_edit=may_edit)):
        return saved
    notes, observations = map_with_cells(visit)  # query: the map with its cells, as values
    photos = list(visit.photos.all())  # read with the visit
    compare = request.GET.get("compare") == "previous"
    before = (
        latest_map(visit=visit, before_visit=True) if compare else None
    )  # query: the last earlier map
    previous_observations = previous_cells(before)  # query: its cells, as values
    groups = build_grid(
        expressions=expressions,
        observations=observations,
        photos=photos,
        previous_observations=previous_observations,
        values=form.posted_values() if form.is_bound else None,
        errors=form.cell_errors,
    )
    measured = readings(photos)  # no query
    for group in groups:
        group.readings = [r for r in measured if r.expression == group.expression]
    if notes is not None and not form.is_bound:
        form.initial["notes"] = notes
    return render(
        request,
        "planning/movement_map.html",
        {
            "visit": visit,
            "screening": state,
            "form": form,
            "groups": groups,
            "summary": summarize(groups),
            "pulls": directions_summary(groups),
            "compare": compare,
            "previous": before,
            "may_edit": may_edit,
            "measured": any_measured(measured),
            "scale_sentence": SCALE_SENTENCE,
            "stray_errors": {k: v for k, v in form.cell_errors.items() if k not in form.cell_keys},
            "step": "map",
        },
        status=400 if form.is_bound and (form.errors or form.cell_errors) else 200,
    )
