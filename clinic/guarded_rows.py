"""Rows that must not change once something locks them (a signed chart, a signed
visit's baseline): the QuerySet side of that, shared.

``GuardedQuerySet`` refuses ``update``/``delete``/``bulk_update`` when any row it
would touch is locked, and ``bulk_create`` of rows that would be; a subclass says
what "locked" is (``_refuse_if_locked``) and how a new row is checked
(``_refuse_new``). The locks themselves: ``charting.models.locking`` (signed
charts) and ``planning.models.locking`` (signed visits).
"""

from __future__ import annotations

from django.db import models


class GuardedQuerySet(models.QuerySet):
    def _refuse_if_locked(self) -> None:  # pragma: no cover - every subclass says
        raise NotImplementedError

    def _refuse_new(self, obj) -> None:  # pragma: no cover - every subclass says
        raise NotImplementedError

    def update(self, **kwargs):
        self._refuse_if_locked()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_if_locked()
        return super().delete()

    def bulk_update(self, objs, fields, batch_size=None):
        objs = list(objs)
        self.model._default_manager.filter(pk__in=[o.pk for o in objs])._refuse_if_locked()
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            self._refuse_new(obj)
        return super().bulk_create(objs, *args, **kwargs)
