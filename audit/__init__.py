"""The audit log. Write with ``audit.events.record(...)``."""
