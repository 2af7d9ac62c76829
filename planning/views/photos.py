from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from clinic.access import role_required
from clinic.roles import CLINICAL_ROLES

from ..access import get_photo_for, get_visit_for
from ..capture import shots_for
from ..forms import PhotoUploadForm
from ..models import Expression, Photo
from ..models.locking import locked_message
from ..photos import open_photo, photo_refusal, store_photos
from ..screening import screening_state


@role_required(*CLINICAL_ROLES)
def photos(request, visit_id: int):
    visit = get_visit_for(request.user, visit_id)  # query: visit with people
    state = screening_state(visit=visit)  # 1-2 queries
    refusal = photo_refusal(visit=visit, state=state)  # the photo rule: no query more
    back = request.GET.get("back", request.POST.get("back", ""))
    initial = {}
    if code := request.GET.get("expression"):
        initial["expression"] = Expression.objects.filter(code=code).first()
    if moment := request.GET.get("moment"):
        initial["moment"] = moment
    if request.GET.get("guided") == "1":  # the standardized capture's photos are gated
        initial["guided"] = True
    form = PhotoUploadForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if visit.is_locked:
            messages.error(request, locked_message("photos"))
            return redirect("planning:photos", visit_id=visit.pk)
        if refusal is not None:
            messages.error(request, refusal)
            return redirect("planning:screening", visit_id=visit.pk)
        if form.is_valid():
            try:
                stored = store_photos(
                    visit=visit,
                    by=request.user,
                    uploads=form.cleaned_data["files"],
                    expression=form.cleaned_data["expression"],
                    moment=form.cleaned_data["moment"],
                    guided=form.cleaned_data["guided"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("files", message)
            else:
                messages.success(
                    request, f"{len(stored)} photo{'s' if len(stored) != 1 else ''} saved."
                )
                if back == "map":
                    return redirect("planning:movement_map", visit_id=visit.pk)
                if back == "review":  # the way back to the review stays one tap
                    return redirect(f"{reverse('planning:photos', args=[visit.pk])}?back=review")
                return redirect("planning:photos", visit_id=visit.pk)
        status = 400
    visit_photos = list(
        Photo.objects.for_visit(visit).select_related("expression", "measurement")
    )  # query: the visit's photos with their expressions and measurements
    expressions = list(Expression.objects.all())  # query: the expressions
    return render(
        request,
        "planning/photos.html",
        {
            "visit": visit,
            "screening": state,
            "form": form,
            "photos": visit_photos,
            "step": "photos",
            "refusal": refusal,
            "back": back,
            "expression_choices": [("", "General (no expression)")]
            + [(e.pk, e.name) for e in expressions],
            # query: the ghosts, the same shots from the patient's latest earlier visit
            "shots": shots_for(visit=visit, expressions=expressions, taken=visit_photos)
            if refusal is None
            else [],
        },
        status=status,
    )


def _serve(request, photo_id: int, *, thumbnail: bool):
    photo = get_photo_for(request.user, photo_id)
    try:
        handle = open_photo(photo, thumbnail=thumbnail)
    except FileNotFoundError as exc:
        raise Http404("The photo file is missing.") from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}.jpg"'
    return response


@role_required(*CLINICAL_ROLES)
def photo_file(request, photo_id: int):
    return _serve(request, photo_id, thumbnail=False)


@role_required(*CLINICAL_ROLES)
def photo_thumbnail(request, photo_id: int):
    return _serve(request, photo_id, thumbnail=True)
