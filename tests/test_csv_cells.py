"""Issue 18, finding 5: no CSV the app writes lets a spreadsheet run a cell as a formula.
One helper (clinic.csv_cells.safe_cell) for every export."""

from __future__ import annotations

import csv
import io
import pathlib

import pytest
from django.urls import reverse

from clinic.csv_cells import safe_cell
from tests.factories import PatientFactory, charted_treatment, make_lot, make_vial

ROOT = pathlib.Path(__file__).resolve().parent.parent
FORMULA = '=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (FORMULA, "'" + FORMULA),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Maya", "Maya"),
        ("", ""),
        (None, ""),
        (20, "20"),
    ],
)
def test_a_formula_cell_becomes_text(value, cell):
    assert safe_cell(value) == cell


@pytest.mark.django_db
def test_the_lot_recall_csv_escapes_a_formula_in_a_name(admin_client, injector):
    lot = make_lot(number="INJ-1")
    patient = PatientFactory(first_name=FORMULA, last_name="@Lockwood", phone="+1 555 0100")
    charted_treatment(patient=patient, injector=injector, vial=make_vial(lot=lot, by=injector))
    response = admin_client.get(reverse("charting:lot_recall_export"), {"number": "INJ-1"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["patient"] == f"'{FORMULA} @Lockwood"
    assert rows[0]["phone"] == "'+1 555 0100"
    assert rows[0]["units_from_lot"] == "20"
    for row in rows:
        assert not any(str(v).startswith(("=", "+", "-", "@")) for v in row.values())


def test_every_csv_writer_uses_the_one_helper():
    """A module that writes CSV imports clinic.csv_cells; none keeps its own escaping."""
    writers = []
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in (".venv", "tests", "node_modules"):
            continue
        if path.relative_to(ROOT).as_posix().startswith("tools/bench/"):
            continue  # writes the CSV another system sends us (the importer's input)
        text = path.read_text()
        if "csv.writer" in text or "csv.DictWriter" in text:
            writers.append(path.relative_to(ROOT).as_posix())
            assert "from clinic.csv_cells import" in text, path
    assert {"audit/views.py", "charting/lot_recall.py"} <= set(writers)
