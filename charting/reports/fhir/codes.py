"""The code systems of the FHIR export.

Standard codes appear only where a cited source gives them (docs/fhir.md); every
other concept is sent as text, or in a code system of our own whose canonical URL
lies under the clinic's base (``settings.CLINIC_BASE_URL``). No code here is
invented for a standard system.
"""

from __future__ import annotations

from django.conf import settings

from planning.choices import Grade, Side
from planning.measurements import IRIS_MM, MEASURES

FHIR_VERSION = "4.0.1"  # R4; tests validate with fhir.resources' R4B models

SNOMED = "http://snomed.info/sct"
# Laterality qualifiers, from FHIR's value set "structure-laterality-vs"
# (http://hl7.org/fhir/ValueSet/structure-laterality-vs, FHIR Extensions Pack, and
# mCODE's LateralityQualifierVS): the patient's own sides.
LATERALITY = {
    Side.RIGHT: ("24028007", "Right (qualifier value)"),
    Side.LEFT: ("7771000", "Left (qualifier value)"),
    Side.CENTER: ("399488007", "Midline (qualifier value)"),
}
# Signature type, from FHIR R4's value set signature-type (ASTM E1762-95):
# http://hl7.org/fhir/R4/valueset-signature-type.html
SIGNATURE_TYPE = "urn:iso-astm:E1762-95:2013"
AUTHOR_SIGNATURE = ("1.2.840.10065.1.12.1.1", "Author's Signature")
# FHIR R4's own code systems (required bindings of the resources).
ENCOUNTER_CLASS = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
AMBULATORY = ("AMB", "ambulatory")
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_CATEGORY_LOINC = "http://loinc.org"
# LOINC 59284-0 "Consent Document": the example category of FHIR R4's Consent
# (http://hl7.org/fhir/R4/valueset-consent-category.html).
CONSENT_DOCUMENT = ("59284-0", "Consent Document")
PROVENANCE_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
EXAM = ("exam", "Exam")
UCUM = "http://unitsofmeasure.org"
MILLIMETRE = "mm"
# A botulinum toxin unit is no UCUM unit of mass or activity: UCUM's arbitrary unit
# "[arb'U]" is the honest code, with "U" as the unit shown.
TOXIN_UNIT = "[arb'U]"

# RxNorm: no product of ours has an RxNorm code from a source we cite yet, so a
# product is sent as text (brand and generic name). Add {product code: (rxcui,
# display, source)} here only with the source named in docs/fhir.md.
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
RXNORM_CODES: dict[str, tuple[str, str, str]] = {}


def base_url() -> str:
    return settings.CLINIC_BASE_URL.rstrip("/")


def local(name: str) -> str:
    """The canonical URL of one of our code systems or extensions."""
    return f"{base_url()}/fhir/{name}"


def grade_system() -> str:
    return local("CodeSystem/movement-grade")


def muscle_system() -> str:
    return local("CodeSystem/muscle")


def expression_system() -> str:
    return local("CodeSystem/expression")


def observation_system() -> str:
    return local("CodeSystem/observation")


def measure_system() -> str:
    return local("CodeSystem/photo-measure")


def laterality_extension() -> str:
    return local("StructureDefinition/laterality")


def seal_extension() -> str:
    return local("StructureDefinition/seal")


def chart_number_system() -> str:
    return local("NamingSystem/chart-number")


def grade_code_system() -> dict:
    """The movement grade scale as a CodeSystem resource (sent once in each Bundle)."""
    return {
        "resourceType": "CodeSystem",
        "id": "movement-grade",
        "url": grade_system(),
        "name": "MovementGrade",
        "title": "Movement / line severity grade (Facial Wrinkle Scale, 0-3)",
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "description": "How strongly a facial muscle moves on one side, at rest or at maximum "
        "contraction: 0 none, 1 mild, 2 moderate, 3 severe.",
        "concept": [
            {"code": str(g.value), "display": g.label.split("·")[-1].strip()} for g in Grade
        ],
    }


def measure_code_system() -> dict:
    """What is measured on a photo (planning.measurements) as a CodeSystem resource
    (sent once in each Bundle that holds a photo measurement)."""
    return {
        "resourceType": "CodeSystem",
        "id": "photo-measure",
        "url": measure_system(),
        "name": "PhotoMeasure",
        "title": "Facial measurements from a standardized photo, per side, in millimetres",
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "description": "Measured by our code on a frontal photo located by a face-landmark "
        f"model; the scale is the iris diameter taken as {IRIS_MM} mm (a population "
        "average). Heights are above the pupil line; the mouth corner's is to the lip "
        "midline. Shown to the injector as context, never used by a dose rule.",
        "concept": [{"code": m.key, "display": m.label} for m in MEASURES],
    }


def side_text(side: str) -> str:
    return {"R": "patient's right", "L": "patient's left", "C": "midline"}[side]


def laterality(side: str) -> dict:
    """The SNOMED CT laterality of a side, as the value of our laterality extension."""
    code, display = LATERALITY[side]
    return {
        "url": laterality_extension(),
        "valueCodeableConcept": {
            "coding": [{"system": SNOMED, "code": code, "display": display}],
            "text": side_text(side),
        },
    }


def body_site(muscle, side: str) -> dict:
    """A muscle on one side: our muscle code (text for the muscle: no SNOMED CT code of
    a facial muscle is cited yet) and the SNOMED CT laterality as an extension."""
    return {
        "extension": [laterality(side)],
        "coding": [{"system": muscle_system(), "code": muscle.code, "display": muscle.name}],
        "text": f"{muscle.name}, {side_text(side)}",
    }


def side_of(site: dict) -> str:
    """The side a ``body_site`` names (the tests read the export back with it)."""
    for extension in site.get("extension", []):
        if extension["url"] == laterality_extension():
            code = extension["valueCodeableConcept"]["coding"][0]["code"]
            return next(side for side, (c, _) in LATERALITY.items() if c == code)
    raise ValueError("no laterality")


def product_concept(product) -> dict:
    text = f"{product.brand} ({product.generic_name})"
    cited = RXNORM_CODES.get(product.code)
    if cited is None:
        return {"text": text}
    rxcui, display, _source = cited
    return {"coding": [{"system": RXNORM, "code": rxcui, "display": display}], "text": text}
