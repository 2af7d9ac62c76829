"""The request an audit event belongs to: who, from where, which request.

``AuditMiddleware`` puts the current request in a context variable so that
events written far from the view (django-auditlog's model signals, login
signals) still carry the user, IP address and request id.
"""

from __future__ import annotations

import ipaddress
import uuid
from contextvars import ContextVar

from django.conf import settings

current_request: ContextVar = ContextVar("audit_current_request", default=None)


def client_ip(request) -> str | None:
    """The client's address: behind ``TRUSTED_PROXY_COUNT`` proxies, the address
    the outermost trusted proxy saw (the n-th from the right of X-Forwarded-For);
    with no trusted proxy, the socket's peer. Values that are not addresses are
    ignored, so a client cannot write text into the audit log this way."""
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    try:
        return ipaddress.ip_address(candidate).compressed
    except ValueError:
        return None


def request_id(request) -> str:
    rid = getattr(request, "request_id", "")
    if not rid:
        rid = uuid.uuid4().hex
        request.request_id = rid
    return rid


def hand_over_read(obj, request=None) -> None:
    """A view's object, read this request, handed to ``AuditMiddleware`` (issue 22).

    When it is the row the page's URL names, the middleware takes the patient
    from it (``audit.subjects.patient_for_instance``) instead of reading the row
    again; any other object is ignored, and a page whose view hands nothing over
    is looked up as before. The audit record is the same either way.
    """
    request = request if request is not None else current_request.get()
    if request is None or obj is None:
        return
    request.__dict__.setdefault("audit_read_objects", []).append(obj)


def handed_over(request, model, pk):
    """The object of ``model`` with primary key ``pk`` a view handed over, or None."""
    for obj in getattr(request, "audit_read_objects", ()):
        if type(obj) is model and str(obj.pk) == str(pk):
            return obj
    return None
