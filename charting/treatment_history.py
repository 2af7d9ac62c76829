"""Charting's answer to ``planning.treatment_history``: what the patient was given.

Provided from ``ChartingConfig.ready()``. Per visit the signed chart counts when
there is one, else its final plan (a plan not charted here still counts: for a
safety limit, counting too much is the safe side); a visit is never counted
twice. A signed chart on a review visit is a touch-up: it counts toward the
ceiling but never starts an interval (it belongs to its cycle).
"""

from __future__ import annotations

import datetime

from planning.treatment_history import (
    LAST_SESSION_DAY_SQL,
    LAST_SESSION_SQL,
    DoseRecord,
    LastSession,
    final_plans_sql,
    own_history,
)

# Parts of the history statement (planning.treatment_history: its columns and named
# parameters). Signed charts of the ingredient in the window, per chart with its units
# and its visit's kind (a review's chart is a touch-up).
SIGNED_CHARTS_SQL = """
    SELECT CAST(%(chart)s AS TEXT), t.id, t.visit_id, v.date, SUM(i.units), p.brand,
           CAST(NULL AS TEXT), CAST(v.kind AS TEXT), CAST(NULL AS BOOLEAN)
    FROM charting_treatment t
    JOIN planning_visit v ON v.id = t.visit_id
    JOIN planning_product p ON p.id = t.product_id
    LEFT JOIN charting_injection i ON i.treatment_id = t.id
    WHERE v.patient_id = %(patient)s AND t.signed_at IS NOT NULL
      AND p.generic_name = %(ingredient)s AND v.date BETWEEN %(since)s AND %(until)s
    GROUP BY t.id, v.date, p.brand, v.kind"""

# A final plan counts only where its visit has no signed chart (the chart counts).
NOT_CHARTED = """
      AND NOT EXISTS (SELECT 1 FROM charting_treatment st
                      WHERE st.visit_id = v.id AND st.signed_at IS NOT NULL)"""

# The last signed touch-up (a chart on a review visit) from the last main session's day
# to the day before ``before``: its cycle's. Constant texts joined; every value is a
# named parameter.
TOUCH_UP_OF_LAST_SQL = "".join(
    (
        """
    SELECT CAST(%(touch_up_of_last)s AS TEXT), t.id, CAST(NULL AS INTEGER), v.date,
           CAST(NULL AS NUMERIC), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
           CAST(NULL AS BOOLEAN)
    FROM charting_treatment t JOIN planning_visit v ON v.id = t.visit_id
    WHERE v.patient_id = %(patient)s AND v.kind = %(review)s AND t.signed_at IS NOT NULL
      AND v.date < %(before)s AND v.date >= (""",
        LAST_SESSION_DAY_SQL,
        """)
    ORDER BY v.date DESC LIMIT 1""",
    )
)


class ChartedTreatments:
    def __init__(self, *, suggest, next_cycle, signed) -> None:
        # Next cycle's suggestions and its window come from the cycles (charting.reviews);
        # ``signed`` reads what both start from (the signed main treatments) in one query.
        self.suggest = suggest
        self.next_cycle_window = next_cycle
        self.signed = signed

    def suggested_doses(self, *, patient, product):
        return self.suggest(patient=patient, product=product)

    def next_cycle(self, *, patient):
        return self.next_cycle_window(patient=patient)

    def next_cycle_and_doses(self, *, patient, product):
        """The window and the product's doses from one read of the signed treatments."""
        signed = self.signed(patient=patient)
        return (
            self.next_cycle_window(patient=patient, signed=signed),
            self.suggest(patient=patient, product=product, signed=signed),
        )

    def history_parts(self, *, window: bool, before: bool) -> list[str]:
        """The parts of planning's one history statement (``treatment_history.history``):
        with ``window``, signed charts (touch-ups included) and final plans of visits
        without a signed chart; with ``before``, the last main session (a treatment visit
        or a final plan, never a review) and the signed touch-up of its cycle."""
        parts = [SIGNED_CHARTS_SQL, final_plans_sql(NOT_CHARTED)] if window else []
        return parts + [LAST_SESSION_SQL, TOUCH_UP_OF_LAST_SQL] if before else parts

    def doses(self, *, patient, ingredient, since, until) -> list[DoseRecord]:
        return own_history(
            self, patient=patient, ingredient=ingredient, since=since, until=until
        ).doses

    def last_session(self, *, patient, before: datetime.date) -> LastSession | None:
        return own_history(self, patient=patient, before=before).last_session
