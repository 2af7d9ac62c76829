"""The audit log. Write with ``audit.record(...)``; see ``audit.events``."""


def record(**kwargs):
    from .events import record as _record

    return _record(**kwargs)
