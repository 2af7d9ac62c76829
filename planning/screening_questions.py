"""The screening questions of REFERENCE.md's contraindication section, as data.

Each question names its level (block / warn / info), its source (label or
practice) and the message shown when the answer is yes. A block may be scoped
to products (cow's-milk protein allergy blocks Dysport only). The rules that
read these live in ``planning.screening``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .choices import Source

BLOCK = "block"
WARN = "warn"
INFO = "info"


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    level: str  # block / warn / info
    source: str  # Source.LABEL / Source.PRACTICE
    message: str  # shown when the answer is yes
    products: tuple[str, ...] = ()  # product codes the block applies to; () = all
    help: str = ""


QUESTIONS: tuple[Question, ...] = (
    Question(
        "toxin_hypersensitivity",
        "Allergy or hypersensitivity to any botulinum toxin or its ingredients?",
        BLOCK,
        Source.LABEL,
        "Hypersensitivity to botulinum toxin or its ingredients: do not treat.",
    ),
    Question(
        "infection_at_site",
        "Infection or inflammation at a planned injection site today?",
        BLOCK,
        Source.LABEL,
        "Infection at the planned injection site: do not treat until it has cleared.",
    ),
    Question(
        "cows_milk_allergy",
        "Allergy to cow's-milk protein?",
        BLOCK,
        Source.LABEL,
        "Cow's-milk protein allergy: Dysport (abobotulinumtoxinA) must not be used.",
        products=("dysport",),
    ),
    Question(
        "pregnant_or_breastfeeding",
        "Pregnant, possibly pregnant, or breastfeeding?",
        WARN,
        Source.LABEL,
        "Pregnancy or breastfeeding: there are no safety data.",
    ),
    Question(
        "neuromuscular_disease",
        "Neuromuscular disease (myasthenia gravis, Lambert-Eaton syndrome, ALS)?",
        WARN,
        Source.LABEL,
        "Neuromuscular disease: higher risk of serious effects.",
    ),
    Question(
        "interacting_medicines",
        "Taking aminoglycosides, curare-like muscle relaxants or anticholinergics?",
        WARN,
        Source.LABEL,
        "Interacting medicines may increase the toxin's effect.",
    ),
    Question(
        "recent_toxin",
        "Botulinum toxin anywhere (any clinic, any reason) in the last 3 months?",
        WARN,
        Source.LABEL,
        "Toxin in the last 3 months (reported by the patient): retreatment interval.",
    ),
    Question(
        "prior_facial_surgery",
        "Previous facial surgery?",
        WARN,
        Source.LABEL,
        "Prior facial surgery: anatomy may differ (glabellar caution).",
    ),
    Question(
        "marked_asymmetry",
        "Marked facial asymmetry?",
        WARN,
        Source.LABEL,
        "Marked facial asymmetry: document and discuss before treating.",
    ),
    Question(
        "existing_ptosis",
        "Drooping eyelid (ptosis) or excess upper-lid skin now?",
        WARN,
        Source.LABEL,
        "Existing ptosis or excess upper-lid skin: may worsen after treatment.",
    ),
    Question(
        "skin_at_site",
        "Deep scarring or thick sebaceous skin at the site?",
        WARN,
        Source.LABEL,
        "Deep scarring or thick sebaceous skin: the effect may be reduced.",
    ),
    Question(
        "keloids",
        "History of keloid scars?",
        WARN,
        Source.PRACTICE,
        "Keloid history.",
    ),
    Question(
        "body_image_concern",
        "Concern about body image out of proportion (suspected body dysmorphic disorder)?",
        WARN,
        Source.PRACTICE,
        "Suspected body dysmorphic disorder: consider not treating and referring.",
    ),
    Question(
        "brow_ptosis_laxity",
        "Brow ptosis from skin laxity (before forehead treatment)?",
        WARN,
        Source.PRACTICE,
        "Brow ptosis from skin laxity: forehead treatment may lower the brow.",
    ),
    Question(
        "prior_filler",
        "Dermal filler in the face?",
        INFO,
        Source.PRACTICE,
        "Dermal filler in the face: note where.",
    ),
)
