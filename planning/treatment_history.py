"""What the patient has had before, as planning's rules need it: the one registry
filled at start-up (docs/architecture.md).

Planning sits below charting, yet its dose and interval rules (the screening's
"toxin in the last 90 days", the cumulative ceiling) and the plan screen's
starting doses need the patient's treatments, which charting records. So
planning states what it asks (``TreatmentHistory``) and charting answers, once,
from ``ChartingConfig.ready()``::

    treatment_history.provide(ChartedTreatments(...))

Until then planning's own records answer (``PlannedTreatments``: final plans, no
suggestions), so planning works on its own. Toxin the patient had elsewhere
(``OutsideDose``, patient-reported) is planning's own record and is added here to
whichever provider answers.

The rules' inputs (issue 16):

- ``doses(...)``: per visit the signed chart if there is one, else its final
  plan (never both), touch-ups (charts on review visits) and patient-reported
  doses, of one active ingredient (``Product.generic_name``: units of different
  ingredients are never added), dated, from ``since`` to ``until`` inclusive.
- ``last_session(...)``: the last main session (a treatment, never a touch-up:
  a touch-up belongs to its cycle and does not restart the interval) strictly
  before a day, with the touch-up of its cycle when there was one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from clinic import statements

from .choices import DoseKind, VisitKind


@dataclass(frozen=True)
class SuggestedDose:
    """Next cycle's suggested dose of one muscle and side, with its reason and the
    last treatment's points (units summing to ``units``)."""

    muscle_code: str
    side: str
    units: Decimal
    reason: str
    points: list[tuple[Decimal, Decimal, Decimal]] = field(default_factory=list)


class NextCycle(Protocol):
    """When the patient's next cycle is due, as charting's recall rule says
    (``charting.recall_timing.RecallWindow``): from ``opens`` to ``closes``, why."""

    treated_on: datetime.date
    opens: datetime.date
    closes: datetime.date
    basis: str


@dataclass(frozen=True)
class DoseRecord:
    """Units of one ingredient given (or to be given) on one day, and what says so."""

    on: datetime.date
    units: Decimal | None  # None: patient-reported without a figure
    brand: str
    kind: str  # DoseKind
    visit_id: int | None = None
    record_id: int | None = None  # the plan, treatment or outside dose

    @property
    def label(self) -> str:
        units = "units unknown" if self.units is None else f"{Decimal(self.units).normalize():f} U"
        return f"{DoseKind(self.kind).label} of {self.on:%b %-d, %Y}, {units} {self.brand}"


@dataclass(frozen=True)
class LastSession:
    """The last main session before a day; ``touch_up_on``: its cycle's touch-up."""

    on: datetime.date
    reported: bool = False
    touch_up_on: datetime.date | None = None

    def describe(self) -> str:
        what = "toxin elsewhere (patient-reported)" if self.reported else "the last treatment"
        text = f"{what} on {self.on:%b %-d, %Y}"
        if self.touch_up_on:
            text += f" (its touch-up on {self.touch_up_on:%b %-d} belongs to that cycle)"
        return text


class TreatmentHistory(Protocol):
    def doses(
        self, *, patient, ingredient: str, since: datetime.date, until: datetime.date
    ) -> list[DoseRecord]: ...

    def last_session(self, *, patient, before: datetime.date) -> LastSession | None: ...

    def suggested_doses(self, *, patient, product) -> list[SuggestedDose]: ...

    def next_cycle(self, *, patient) -> NextCycle | None: ...

    def next_cycle_and_doses(
        self, *, patient, product
    ) -> tuple[NextCycle | None, list[SuggestedDose]]: ...


# The history statement (``history``): parts joined by UNION ALL, each a constant SQL
# text with the same named parameters (``statement_params``) and the same columns: what
# the row is, its record, its visit, its day, its units, the brand, the product's active
# ingredient (reported doses), the visit's kind (charts), whether only the month is known
# (reported doses). Plain values, never models; no input is ever formatted into the SQL.
LAST = "last"  # the last main session's day (NULL: none)
TOUCH_UP_OF_LAST = "touch-up-of-last"  # the signed touch-up of its cycle

_PLANS_SELECT = """
    SELECT CAST(%(plan)s AS TEXT), tp.id, tp.visit_id, v.date, SUM(pt.units), p.brand,
           CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS BOOLEAN)
    FROM planning_treatmentplan tp
    JOIN planning_visit v ON v.id = tp.visit_id
    JOIN planning_product p ON p.id = tp.product_id
    LEFT JOIN planning_injectionpoint pt ON pt.plan_id = tp.id
    WHERE v.patient_id = %(patient)s AND tp.status = %(final)s
      AND p.generic_name = %(ingredient)s AND v.date BETWEEN %(since)s AND %(until)s
      AND v.status <> %(cancelled)s"""
_PLANS_GROUP = " GROUP BY tp.id, v.date, p.brand"


def final_plans_sql(also: str = "") -> str:
    """Final plans of visits not cancelled in the window, per plan with their units;
    ``also``: a further condition (a constant SQL text) on the plan ``tp`` and its visit
    ``v``."""
    return _PLANS_SELECT + also + _PLANS_GROUP


# The day of the last main session before ``before`` (not a review: its touch-up is part
# of the cycle): a visit not cancelled, a treatment visit or with a final plan.
LAST_SESSION_DAY_SQL = """
    SELECT lv.date FROM planning_visit lv
    WHERE lv.patient_id = %(patient)s AND lv.date < %(before)s
      AND lv.kind <> %(review)s AND lv.status <> %(cancelled)s
      AND (lv.kind = %(treatment)s OR EXISTS (
          SELECT 1 FROM planning_treatmentplan lp
          WHERE lp.visit_id = lv.id AND lp.status = %(final)s))
    ORDER BY lv.date DESC LIMIT 1"""

LAST_SESSION_SQL = (
    "SELECT CAST(%(last)s AS TEXT), CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), ("
    + LAST_SESSION_DAY_SQL
    + "), CAST(NULL AS NUMERIC), CAST(NULL AS TEXT), CAST(NULL AS TEXT),"
    + " CAST(NULL AS TEXT), CAST(NULL AS BOOLEAN)"
)

REPORTED_SQL = """
    SELECT CAST(%(reported)s AS TEXT), o.id, CAST(NULL AS INTEGER), o.given_on, o.units, p.brand,
           p.generic_name, CAST(NULL AS TEXT), o.month_only
    FROM planning_outsidedose o LEFT JOIN planning_product p ON p.id = o.product_id
    WHERE o.patient_id = %(patient)s"""


def statement_params(*, patient, ingredient, since, until, before) -> dict:
    from .choices import PlanStatus, VisitStatus

    return {
        "patient": patient.pk,
        "ingredient": ingredient,
        "since": since,
        "until": until,
        "before": before,
        "final": str(PlanStatus.FINAL),
        "cancelled": str(VisitStatus.CANCELLED),
        "review": str(VisitKind.REVIEW),
        "treatment": str(VisitKind.TREATMENT),
        "chart": str(DoseKind.CHART),
        "plan": str(DoseKind.PLAN),
        "reported": str(DoseKind.REPORTED),
        "last": LAST,
        "touch_up_of_last": TOUCH_UP_OF_LAST,
    }


def run_statement(parts: list[str], params: dict) -> list[tuple]:
    """The parts (constant SQL texts) as one statement, UNION ALL (one query)."""

    # Each part as a subquery (SQLite allows no parenthesized SELECT in a UNION, and a
    # part may end in ORDER BY … LIMIT); the casts are CAST(… AS …): the same statement
    # on PostgreSQL and on the SQLite of `make run`.
    sql = " UNION ALL ".join(
        "".join(("SELECT * FROM (", part, ") AS part_", str(number)))
        for number, part in enumerate(parts)
    )
    return [_plain(row) for row in statements.all_rows(sql, params)]


UNITS_PLACES = Decimal("0.1")  # units are stored with one decimal place


def _plain(row: tuple) -> tuple:
    """A row as PostgreSQL gives it: SQLite gives days as ISO text, units as numbers
    and flags as 0/1 (its raw cursor converts nothing)."""
    tag, pk, visit_id, on, units, brand, generic, kind, month = row
    if isinstance(on, str):
        on = datetime.date.fromisoformat(on[:10])
    if units is not None and not isinstance(units, Decimal):
        units = Decimal(str(units)).quantize(UNITS_PLACES)
    if month is not None:
        month = bool(month)
    return (tag, pk, visit_id, on, units, brand, generic, kind, month)


@dataclass(frozen=True)
class History:
    """What the dose rules read: the doses of one ingredient in a window (``doses``)
    and the last main session before a day (``last_session``)."""

    doses: list[DoseRecord]
    last_session: LastSession | None


def read_rows(rows, *, ingredient=None, since=None, until=None, before=None) -> History:
    """The statement's rows as records: our charts and plans as they are; reported
    doses in the window of ``ingredient`` (an unknown product's listed with no units:
    the rules name them; a month-only date counts as the month's last day); the last
    session ours or reported, whichever is later."""
    from .models.history import latest_day

    records, ours, touch_up, reported_days = [], None, None, []
    for tag, pk, visit_id, on, units, brand, generic, kind, month in rows:
        if tag == LAST:
            ours = on
        elif tag == TOUCH_UP_OF_LAST:
            touch_up = on
        elif tag == DoseKind.REPORTED:
            day = latest_day(on, month)
            if before is not None and day < before:
                reported_days.append(day)
            if since is None or not since <= day <= until:
                continue
            if generic is None:  # product unknown
                records.append(
                    DoseRecord(day, None, "product unknown", DoseKind.REPORTED, None, pk)
                )
            elif generic == ingredient:
                records.append(DoseRecord(day, units, brand, DoseKind.REPORTED, None, pk))
        else:  # a chart (a touch-up on a review visit) or a plan
            what = DoseKind(tag)
            if what == DoseKind.CHART and kind == VisitKind.REVIEW:
                what = DoseKind.TOUCH_UP
            records.append(DoseRecord(on, units or Decimal("0"), brand, what, visit_id, pk))
    last = LastSession(ours, touch_up_on=touch_up) if ours is not None else None
    if reported_days and (last is None or max(reported_days) > last.on):
        last = LastSession(max(reported_days), reported=True)
    return History(sorted(records, key=lambda r: (r.on, r.kind)), last)


def own_history(provider, *, patient, ingredient=None, since=None, until=None, before=None):
    """A provider's own records (no reported doses), from its parts (one query)."""
    window = {"ingredient": ingredient, "since": since, "until": until, "before": before}
    parts = provider.history_parts(window=since is not None, before=before is not None)
    return read_rows(run_statement(parts, statement_params(patient=patient, **window)), **window)


class PlannedTreatments:
    """Planning's own records: final plans and treatment visits; no suggestions. The
    answer until charting provides its own."""

    def history_parts(self, *, window: bool, before: bool) -> list[str]:
        """The parts of the history statement: with ``window`` final plans, with
        ``before`` the last session."""
        return [final_plans_sql()] * window + [LAST_SESSION_SQL] * before

    def doses(self, *, patient, ingredient, since, until) -> list[DoseRecord]:
        return own_history(
            self, patient=patient, ingredient=ingredient, since=since, until=until
        ).doses

    def last_session(self, *, patient, before) -> LastSession | None:
        return own_history(self, patient=patient, before=before).last_session

    def suggested_doses(self, *, patient, product) -> list[SuggestedDose]:
        return []

    def next_cycle(self, *, patient) -> NextCycle | None:
        return None

    def next_cycle_and_doses(self, *, patient, product):
        return None, []


_provider: TreatmentHistory = PlannedTreatments()


def provide(provider: TreatmentHistory) -> TreatmentHistory:
    """Make ``provider`` the one that answers; returns the one it replaces."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def history(*, patient, ingredient=None, since=None, until=None, before=None) -> History:
    """In one SQL statement: every dose of ``ingredient`` from ``since`` to ``until``
    inclusive, ours and patient-reported (with ``since``), and the last main session of
    any product strictly before ``before``, ours or patient-reported, whichever is later
    (with ``before``). Read from the database on every call: the dose rules' inputs.

    A provider without ``history_parts`` (its own records in its own way) answers its
    ``doses`` and ``last_session``, and the reported doses are read beside them."""
    window = {"ingredient": ingredient, "since": since, "until": until, "before": before}
    parts_of = getattr(_provider, "history_parts", None)
    params = statement_params(patient=patient, **window)
    if parts_of is not None:
        parts = parts_of(window=since is not None, before=before is not None)
        return read_rows(run_statement([*parts, REPORTED_SQL], params), **window)
    reported = read_rows(run_statement([REPORTED_SQL], params), **window)
    doses = reported.doses
    last = reported.last_session
    if since is not None:
        ours = _provider.doses(patient=patient, ingredient=ingredient, since=since, until=until)
        doses = sorted([*ours, *doses], key=lambda r: (r.on, r.kind))
    if before is not None:
        ours = _provider.last_session(patient=patient, before=before)
        if last is None or (ours is not None and ours.on >= last.on):
            last = ours
    return History(doses, last)


def doses(*, patient, ingredient: str, since: datetime.date, until: datetime.date):
    """Every dose of ``ingredient`` from ``since`` to ``until`` inclusive (``history``)."""
    return history(patient=patient, ingredient=ingredient, since=since, until=until).doses


def last_session(*, patient, before: datetime.date) -> LastSession | None:
    """The last main session of any product strictly before ``before`` (``history``)."""
    return history(patient=patient, before=before).last_session


def last_toxin_date(*, patient, before: datetime.date) -> datetime.date | None:
    """The date of the last main session of any product before ``before``."""
    session = last_session(patient=patient, before=before)
    return session.on if session else None


def suggested_doses(*, patient, product) -> list[SuggestedDose]:
    """Next cycle's suggested doses of ``product`` per muscle and side (none of another)."""
    return _provider.suggested_doses(patient=patient, product=product)


def next_cycle(*, patient) -> NextCycle | None:
    """When the patient's next cycle is due (charting's one recall rule); None without a
    signed treatment or a provider."""
    return _provider.next_cycle(patient=patient)


def next_cycle_and_doses(*, patient, product) -> tuple[NextCycle | None, list[SuggestedDose]]:
    """``next_cycle`` and ``suggested_doses`` together (the plan page): one read of the
    patient's signed treatments where the provider can (issue 22, fifth session)."""
    both = getattr(_provider, "next_cycle_and_doses", None)
    if both is not None:
        return both(patient=patient, product=product)
    return next_cycle(patient=patient), suggested_doses(patient=patient, product=product)
