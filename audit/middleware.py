"""Reads: every GET of a patient-related page becomes a ``view`` event.

A page is audited when its URL names an object of a kind listed in
``AUDIT_URL_OBJECTS`` (``patient_id``, ``visit_id``, ``plan_id``...; see
``audit.subjects``) or when it lives in a clinical namespace
(``AUDIT_CLINICAL_NAMESPACES``). Nobody has to remember to call anything: a new
clinical page is audited the day it is added. A view that records its own
event (an export, say) is not recorded twice. A refused access (403) on such a
page is recorded too, as ``denied``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from .context import current_request, handed_over, request_id
from .events import record
from .models import Action
from .subjects import admin_model, object_kwarg, patient_for_instance


def is_audited_page(match) -> bool:
    if match is None:
        return False
    clinical = set(settings.AUDIT_CLINICAL_NAMESPACES)
    return bool(set(match.namespaces) & clinical) or object_kwarg(match.kwargs) is not None


def _patient_of(kind, object_id):
    """The patient of a page's object; an id that names nothing names no patient."""
    try:
        return kind.patient_of(object_id)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        return None


def _patient_of_page(request, kind, object_id):
    """The patient of the page's object: from the row the view handed over
    (``audit.context.hand_over_read``), else read (one query)."""
    obj = handed_over(request, kind.model, object_id)
    if obj is not None:
        return patient_for_instance(obj)
    return _patient_of(kind, object_id)


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            request_id(request)
            response = self.get_response(request)
            self._record_read(request, response)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.request_id
        return response

    def _record_read(self, request, response) -> None:
        if request.method != "GET" or getattr(request, "audit_recorded", False):
            return
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        match = getattr(request, "resolver_match", None)
        in_admin = admin_model(match)
        if in_admin is not None:
            return self._record_admin_read(request, response, match, in_admin)
        if not is_audited_page(match):
            return
        if response.status_code in (403, 404):
            action = Action.DENIED
        elif 200 <= response.status_code < 300:
            action = Action.VIEW
        else:
            return  # redirects (to 2FA, to login) show nothing
        kind = object_kwarg(match.kwargs)
        object_type, object_id, patient = match.view_name, "", None
        if kind is not None:
            object_type, object_id = kind.object_type, match.kwargs[kind.kwarg]
            patient = _patient_of_page(request, kind, object_id)
        record(
            request=request,
            action=action,
            object_type=object_type,
            object_id=object_id,
            patient=patient,
            detail={"page": match.view_name, "status": response.status_code},
        )

    def _record_admin_read(self, request, response, match, model) -> None:
        if not 200 <= response.status_code < 300:
            return
        instance = model._default_manager.filter(pk=match.kwargs["object_id"]).first()
        if instance is None:
            return
        record(
            request=request,
            action=Action.VIEW,
            obj=instance,
            patient=patient_for_instance(instance),
            detail={"page": match.view_name, "status": response.status_code},
        )
