"""The treatment-history PDF, the complete record and the patient's copy from kept
parts (issues 22 and 23): a signed cycle cannot change, so its pages are laid out
once and kept; only what changed is laid out.

**Documents.** One machinery, three ``Document``s: the history (``HISTORY``), the
complete medico-legal record (``RECORD``) and the patient's copy (``PATIENT_COPY``,
the record's plain layout with the patient's summaries). A visit is printed
differently in each (the record adds the consents, the photos' thumbnails, the
verification lines), so the document's name is in every key and every row
(``HistoryPart.document``). The record's audit trail is its *live tail*: the export
itself is audited, so it changes on every read and is laid out every time, after
the visits, never kept. A review visit that only says its review is printed with
the treatment just before it closes that treatment's cycle and is kept in its part
(not a page of its own).

**Parts.** Each visit with a signed treatment whose seal verifies on this read is
a *kept part*: its pages rendered on their own (``pdf/history_part.html``) and
stored in the private storage (``HistoryPart``). Everything else (the front
matter: letterhead, patient, summary; visits without a signed treatment; a
treatment that does not match its signature) is one document
(``pdf/history_front.html``), itself kept by its HTML without the time of making
(``kept_front``; not the record's, whose audit trail changes on every read), the
time drawn over it. Each visit of a part starts a page.

**The key** is the SHA-256 of what the part prints: the visit's HTML rendered now
from the rows (the treatment, its addenda, its review and touch-up, and the
signature's state as ``seal.checked`` found it *on this read*; in the record also
the consents with their signature images and the photos' thumbnails, embedded in
that HTML as data URLs, so their bytes are hashed; in the patient's copy the
summaries), with the document's name, the paper, the stylesheet, the format of
parts and WeasyPrint's version. A new addendum or
review is new HTML, so a new key: only that treatment's part is rendered again.
A treatment whose seal fails is never kept, and its "does not match" is printed
from the live render; a verifying one prints "Verified" only under a key that
includes that state, checked now.

**Never served changed.** The stored bytes are checked against the row's HMAC on
every read; a file that does not match (or is gone) is rendered again and
replaces it, never served.

**The injection map** of a verifying signed treatment is kept the same way, whole
(``kept_report``: its own ``document``, not one of ``DOCUMENTS``): keyed by its HTML
rendered without the time of making, which is drawn over the kept pages on every
read (``pdf/live_time.html``: the report's head laid out again, hidden but for the
time, and the foot's "title · generated time").

**The margins** (running clinic, patient and chart number, the title with the
time of making, "Page x of y") are left empty in every part and stamped over the
merged document (``pdf/history_stamp.html``, pdf.css's margin boxes on empty
pages), so the numbers run across the merge. Two layers, each a form XObject drawn
after the page's own content: the live margins (clinic, patient, title and time),
the same on every page but the first, so two pages laid out on every read; and
"Page x of y", nothing of the patient's, laid out once per page count in a process.
Each margin box is as wide as what it prints, so a box drawn alone lies where it
lies beside the others (the same drawing as one stamp of every box).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache as once_per_process
from functools import lru_cache

import weasyprint
from celery import current_app, current_task
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
)
from weasyprint import HTML

from charting.models import Treatment
from clinic.models import Patient
from planning.asymmetry import SCALE_SENTENCE

from .letterhead import context_for as letterhead_context
from .measured_history import measured_history
from .models import HistoryPart
from .patient_history import build_history
from .record import build_record
from .rendering import RenderedPdf, RestrictedURLFetcher, base_context
from .storage import private_storage

log = logging.getLogger(__name__)

# Offers a first render's chunks (their keys) to a second worker, under the render's name.
Share = Callable[[str, list[list[str]]], None]

FORMAT = "1"  # of the parts: a change to how they are cut is a new key for every part
FOLDER = "history-parts"
RUN_PREFIX = "history-run-"
HMAC_SALT = "charting.reports.history_pages"
CHUNK = 10  # kept parts laid out in one document on a first render
CLAIM_SECONDS = 300
HELPER_TASK = "reports.tasks.render_history_parts"
HELP_WAIT_SECONDS = 120  # then the chunk another worker claimed is laid out here


@dataclass(frozen=True)
class Document:
    """What is printed from kept parts: the history, the complete record, the
    patient's copy. ``name`` is in every part's key and row (the same visit is
    printed differently in each); ``title`` is stamped at the foot of each page."""

    name: str
    title: str
    visit_template: str  # one visit's HTML (``entry`` in the context)
    front_template: str  # the front matter and the live runs (``runs``)
    part_class: str = ""  # the wrapper of a part's runs (the record's ``.record``)
    tail_template: str = ""  # after the visits, live on every read (the audit trail)


HISTORY = Document(
    name="history",
    title="Treatment history",
    visit_template="pdf/_history_visit.html",
    front_template="pdf/history_front.html",
)
RECORD = Document(
    name="record",
    title="Complete record",
    visit_template="pdf/_record_entry.html",
    front_template="pdf/record_front.html",
    part_class="record",
    tail_template="pdf/_record_audit.html",
)
PATIENT_COPY = Document(
    name="record-plain",
    title="Your treatment record",
    visit_template="pdf/_record_entry.html",
    front_template="pdf/record_front.html",
    part_class="record plain",
)
DOCUMENTS = {d.name: d for d in (HISTORY, RECORD, PATIENT_COPY)}
# A one-treatment report kept whole (``kept_report``), not made of parts: not in DOCUMENTS.
INJECTION_MAP = Document(
    name="injection-map",
    title="Injection map",
    visit_template="",
    front_template="pdf/injection_map.html",
)


@dataclass
class Run:
    """Visits of the history laid out together: one kept part, or live visits."""

    entries: list
    kept: bool
    html: SafeString = mark_safe("")  # nosec B308 B703 - an empty string
    key: str = ""
    anchor: str = ""
    treatment_id: int | None = None


@dataclass
class Pages:
    """A part's PDF and its outline (``[[page, level, label], ...]``)."""

    content: bytes
    count: int
    outline: list = field(default_factory=list)


@once_per_process
def stylesheet_digest() -> str:
    found = finders.find("css/pdf.css")
    with open(found, "rb") as source:
        return hashlib.sha256(source.read()).hexdigest()


def part_key(*, html: str, paper: str, document: Document = HISTORY) -> str:
    """What a kept part prints, hashed (see the module's docstring)."""
    digest = hashlib.sha256()
    pieces = (FORMAT, document.name, weasyprint.__version__, stylesheet_digest(), paper, html)
    for piece in pieces:
        digest.update(piece.encode() + b"\0")
    return digest.hexdigest()


def keepable(entry) -> bool:
    """A visit whose pages cannot change: its treatment signed and verifying now
    (and the review's touch-up, when there is one, too)."""
    t = entry.treatment
    if t is None or t["seal_ok"] is not True:
        return False
    review = entry.review
    return review is None or review.get("touch_up_seal_ok") is not False


# What a visit may hold of its own; a review visit with none of it only points to
# the treatment its review is printed with.
OWN = (
    "screening",
    "map_rows",
    "plans",
    "treatment",
    "unsigned_treatment",
    "review",
    "consents",
    "photos",
    "photo_pairs",
    "summary",
)


def _closes_cycle(entry, run: Run | None) -> bool:
    """A review visit with nothing of its own but the line that its review is shown
    with the treatment of the run just before: printed in that treatment's part (the
    cycle's pages), not on a page of its own."""
    if run is None or not run.kept or entry.touch_up_of is None:
        return False
    if run.entries[-1].visit.pk != entry.touch_up_of.pk:
        return False
    return not any(getattr(entry, name, None) for name in OWN)


def runs_of(context: dict, document: Document = HISTORY) -> list[Run]:
    """The document's visits cut into runs: each keepable visit alone (with the
    review visit that closes its cycle), the visits between them together. Each
    visit's HTML is rendered here (cheap; the layout is what is kept)."""
    runs: list[Run] = []
    paper = context["paper"]
    for entry in context["visits"]:
        html = render_to_string(document.visit_template, {**context, "entry": entry})
        if not html.strip():  # a visit with nothing printed has no heading either
            continue
        last = runs[-1] if runs else None
        if _closes_cycle(entry, last):
            last.entries.append(entry)
            last.html = mark_safe(last.html + html)  # noqa: S308 # nosec B308 B703 - our autoescaping template
            last.key = part_key(html=last.html, paper=paper, document=document)
        elif keepable(entry):
            runs.append(
                Run(
                    entries=[entry],
                    kept=True,
                    html=mark_safe(html),  # noqa: S308 # nosec B308 B703 - our autoescaping template
                    key=part_key(html=html, paper=paper, document=document),
                    treatment_id=entry.treatment["treatment"].pk,
                )
            )
        elif last is not None and not last.kept:
            last.entries.append(entry)
            last.html = mark_safe(last.html + html)  # noqa: S308 # nosec B308 B703 - as above
        else:
            runs.append(Run(entries=[entry], kept=False, html=mark_safe(html)))  # noqa: S308 # nosec B308 B703
    for number, run in enumerate(runs):
        run.anchor = f"{RUN_PREFIX}{number}"
    return runs


# -- laying out -------------------------------------------------------------------


def _layout(html: str):
    return HTML(string=html, base_url=None, url_fetcher=RestrictedURLFetcher()).render()


def _starts(document) -> dict[str, int]:
    """The page each run starts on, by its anchor."""
    starts = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith(RUN_PREFIX):
                starts.setdefault(anchor, number)
    return starts


def _outline(pages) -> list:
    return [
        [n, level, label] for n, page in enumerate(pages) for level, label, *_ in page.bookmarks
    ]


def render_kept(
    runs: list[Run], *, context: dict, document: Document = HISTORY
) -> dict[str, Pages]:
    """Lay out the kept parts not in storage, in one document, cut by their anchors."""
    html = render_to_string(
        "pdf/history_part.html",
        {
            **context,
            "runs": runs,
            "part_class": document.part_class,
            "part_title": document.title,
        },
    )
    document = _layout(html)
    starts = _starts(document)
    ends = sorted(starts.values())[1:] + [len(document.pages)]
    made = {}
    for run, end in zip(runs, ends, strict=True):
        pages = document.pages[starts[run.anchor] : end]
        content = document.copy(pages).write_pdf()
        made[run.key] = Pages(content=content, count=len(pages), outline=_outline(pages))
    return made


# -- keeping ------------------------------------------------------------------------


def _digest(content: bytes) -> str:
    return salted_hmac(HMAC_SALT, content, algorithm="sha256").hexdigest()


def _name(key: str) -> str:
    return f"{FOLDER}/{key[:2]}/{key}.pdf"


def _read(row: HistoryPart) -> bytes | None:
    """The stored part if its bytes are the ones kept, else None (never served)."""
    storage = private_storage()
    try:
        with storage.open(row.name) as stored:
            content = stored.read()
    except (OSError, ValueError):
        log.warning("history part %s: its file is gone; rendering it again", row.pk)
        return None
    if not hmac.compare_digest(_digest(content), row.digest):
        log.warning("history part %s: its file was changed in storage; rendering it again", row.pk)
        return None
    return content


def kept_parts(
    runs: list[Run],
    *,
    context: dict,
    share: Share | None = None,
    document: Document = HISTORY,
) -> dict[str, Pages]:
    """Every kept run's pages: from storage when they verify, else laid out now and
    stored (a changed or missing file replaced). ``share`` offers the chunks of a
    first render to a second worker (``help_render``); each chunk is laid out by
    whichever process claims it first."""
    wanted = {r.key: r for r in runs if r.kept}
    if not wanted:
        return {}
    rows = {row.key: row for row in HistoryPart.objects.filter(key__in=wanted)}
    found: dict[str, Pages] = {}
    for key, row in rows.items():
        content = _read(row)
        if content is not None:
            found[key] = Pages(content=content, count=row.pages, outline=row.outline)
    if found:
        HistoryPart.objects.filter(key__in=found).update(uses=F("uses") + 1, used_at=timezone.now())
    missing = [r for k, r in wanted.items() if k not in found]
    # A few at a time: the peak memory is one chunk's, and a second worker may take some.
    chunks = [missing[start : start + CHUNK] for start in range(0, len(missing), CHUNK)]
    render = None  # this render's name in the claims, when a second worker is asked to help
    if len(chunks) > 1 and share is not None:
        render = uuid.uuid4().hex
        share(render, [[r.key for r in chunk] for chunk in chunks])
    for number, chunk in enumerate(chunks):
        if render and not _claim(render, number):
            found.update(_helped(chunk))
        lacking = [r for r in chunk if r.key not in found]
        if lacking:
            found.update(_render_and_store(lacking, context=context, rows=rows, document=document))
    return found


def _render_and_store(
    runs: list[Run], *, context: dict, rows: dict, document: Document
) -> dict[str, Pages]:
    made = render_kept(runs, context=context, document=document)
    for run in runs:
        _store(run, made[run.key], row=rows.get(run.key), document=document)
    return made


# -- sharing a first render with a second worker ---------------------------------


def _claim(render: str, number: int) -> bool:
    """Whether this process lays chunk ``number`` of the render out (first to ask); a
    cache that does not answer: yes (at worst both lay it out, the first kept stays)."""
    try:
        return bool(cache.add(f"history-parts:{render}:{number}", os.getpid(), CLAIM_SECONDS))
    except Exception:  # noqa: BLE001 - a cache outage must not stop a report
        return True


def _helped(chunk: list[Run]) -> dict[str, Pages]:
    """The chunk another worker claimed: its parts once stored (and verified), or
    what is there when it takes too long (the rest is laid out here)."""
    keys = [r.key for r in chunk]
    deadline = time.monotonic() + HELP_WAIT_SECONDS
    while True:
        rows = list(HistoryPart.objects.filter(key__in=keys))
        if len(rows) == len(keys) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    found = {}
    for row in rows:
        content = _read(row)
        if content is not None:
            found[row.key] = Pages(content=content, count=row.pages, outline=row.outline)
    return found


def help_render(
    *, context: dict, render: str, chunks: list[list[str]], document: Document = HISTORY
) -> int:
    """A second worker's share of a first render: the chunks nobody claimed yet,
    from the last. Only runs whose key it finds the same are laid out (a letterhead
    changed in between: nothing). Returns how many parts it stored."""
    context = {**base_context(), **context}
    runs = {r.key: r for r in runs_of(context, document) if r.kept}
    stored = 0
    for number in reversed(range(len(chunks))):
        keys = chunks[number]
        if not all(k in runs for k in keys) or not _claim(render, number):
            continue
        have = set(HistoryPart.objects.filter(key__in=keys).values_list("key", flat=True))
        todo = [runs[k] for k in keys if k not in have]
        if todo:
            _render_and_store(todo, context=context, rows={}, document=document)
            stored += len(todo)
    return stored


def _store(
    run: Run,
    pages: Pages,
    *,
    row: HistoryPart | None,
    document: Document,
    patient: Patient | None = None,
) -> None:
    storage = private_storage()
    if row is not None:  # changed or gone in storage: replaced
        storage.delete(row.name)
    name = storage.save(_name(run.key), ContentFile(pages.content))
    fields = {
        "name": name,
        "digest": _digest(pages.content),
        "pages": pages.count,
        "outline": pages.outline,
        "used_at": timezone.now(),
        "rendered_by": f"{socket.gethostname()}:{os.getpid()}"[:100],
    }
    if row is not None:
        HistoryPart.objects.filter(pk=row.pk).update(renders=F("renders") + 1, **fields)
        return
    try:
        with transaction.atomic():
            HistoryPart.objects.create(
                key=run.key,
                treatment_id=run.treatment_id,
                patient=patient,
                document=document.name,
                **fields,
            )
    except IntegrityError:  # another worker kept the same part first: theirs stays
        storage.delete(name)


# -- the front matter, kept by its HTML ---------------------------------------------


def kept_front(*, context: dict, document: Document) -> tuple[Pages, dict[str, int]]:
    """The front matter of ``document`` (letterhead, patient, summary, the visits not
    kept as parts) and the page each live run starts on: laid out once and kept by
    its HTML without the time of making (``time_apart``, as ``kept_report``), with
    the rows, storage and HMAC of the parts (``patient``, no treatment). Anything it
    prints that changes (a visit, a seal's state, the summary, the letterhead, the
    dates asked for) is a new key; the time is drawn over page 1 by the margins'
    live layer (``_stamp``)."""
    html = render_to_string(
        document.front_template, {**context, "generated_at": None, "time_apart": True}
    )
    name = f"{document.name}-front"
    key = part_key(html=html, paper=context["paper"], document=document)
    row = HistoryPart.objects.filter(key=key).first()
    content = _read(row) if row is not None else None
    if content is not None:
        HistoryPart.objects.filter(pk=row.pk).update(uses=F("uses") + 1, used_at=timezone.now())
        kept = row.outline
        return Pages(content=content, count=row.pages, outline=kept["outline"]), kept["starts"]
    laid_out = _layout(html)
    starts = _starts(laid_out)
    pages = Pages(content=laid_out.write_pdf(), count=len(laid_out.pages))
    pages.outline = _outline(laid_out.pages)
    _store(
        Run(entries=[], kept=True, key=key),
        Pages(
            content=pages.content,
            count=pages.count,
            outline={"outline": pages.outline, "starts": starts},  # the starts with it
        ),
        row=row,
        document=Document(name=name, title=document.title, visit_template="", front_template=""),
        patient=context["patient"],
    )
    return pages, starts


# -- a one-treatment report from its kept pages (the injection map) ------------------


def kept_report(
    *, template: str, context: dict, treatment_id: int, document: Document
) -> RenderedPdf:
    """``template`` of ``context`` (with ``base_context``'s) laid out once and kept as a
    part of ``treatment_id`` (the same rows, storage and HMAC as the history's parts),
    the time of making drawn over it on every read (``pdf/live_time.html``). The key
    is the HTML without the time (``time_apart``): everything else the report prints
    (the seal as checked on this read, addenda, review, consent, letterhead, names) is
    in that HTML, so a change is a new key. The caller keeps only a verifying signed
    treatment (as ``keepable``)."""
    html = render_to_string(template, {**context, "generated_at": None, "time_apart": True})
    run = Run(
        entries=[],
        kept=True,
        key=part_key(html=html, paper=context["paper"], document=document),
        treatment_id=treatment_id,
    )
    row = HistoryPart.objects.filter(key=run.key).first()
    content = _read(row) if row is not None else None
    if content is None:  # never laid out, or changed or gone in storage: laid out now
        laid_out = _layout(html)
        pages = Pages(
            content=laid_out.write_pdf(),
            count=len(laid_out.pages),
            outline=_outline(laid_out.pages),
        )
        _store(run, pages, row=row, document=document)
    else:
        pages = Pages(content=content, count=row.pages, outline=row.outline)
        HistoryPart.objects.filter(pk=row.pk).update(uses=F("uses") + 1, used_at=timezone.now())
    live = _layout(
        render_to_string(
            "pdf/live_time.html",
            {**context, "report": template, "head_time": True, "second_page": pages.count > 1},
        )
    )
    first, *other = PdfReader(io.BytesIO(live.write_pdf())).pages
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pages.content)))
    _stamp_over(writer, [[first, *other * (pages.count - 1)]])
    buffer = io.BytesIO()
    writer.write(buffer)
    return RenderedPdf(content=buffer.getvalue(), pages=pages.count)


def kept_injection_map(*, template: str, context: dict, treatment_id: int) -> RenderedPdf:
    """``kept_report`` of an injection map (``treatments.injection_map_pdf``'s ``kept``)."""
    return kept_report(
        template=template, context=context, treatment_id=treatment_id, document=INJECTION_MAP
    )


# -- the whole document -------------------------------------------------------------


def css_string(text: str) -> SafeString:
    """A CSS string of ``text``: every character but ASCII letters, digits and
    spaces escaped as hex, so no text can close the string or the rule."""
    text = " ".join(str(text).split())
    out = "".join(
        c if (c.isascii() and c.isalnum()) or c == " " else f"\\{ord(c):x} " for c in text
    )
    return mark_safe(f'"{out}"')  # noqa: S308 # nosec B308 B703 - letters, digits, spaces, escapes


def _stamp_html(*, layer: str, pages: int, paper: str, **strings) -> str:
    return render_to_string(
        "pdf/history_stamp.html",
        {"layer": layer, "paper": paper, "pages": range(pages), **strings},
    )


@lru_cache(maxsize=32)
def _numbers(count: int, paper: str, stylesheet: str) -> PdfReader:
    """ "Page x of y" on each of ``count`` pages: nothing of the patient's, so laid out
    once per page count (and paper, stylesheet) in a process and reused."""
    return PdfReader(
        io.BytesIO(_layout(_stamp_html(layer="numbers", pages=count, paper=paper)).write_pdf())
    )


def _stamp(
    count: int, *, context: dict, document: Document, head_time: bool = False
) -> list[list[PageObject]]:
    """The margins of each of ``count`` pages, as layers of stamp pages (one per page
    of the document in each layer): the live margins (clinic, patient and chart
    number, the title with the time of making), laid out on every read, two pages (the
    first and every other), with the time in the head of page 1 when the front was
    kept without it (``head_time``: ``pdf/live_time.html``); and the page numbers,
    kept per page count (``_numbers``)."""
    strings = {
        "clinic": css_string(context.get("clinic_name", "")),
        "patient": css_string(context["patient"].full_name),
        "chart": css_string(context["patient"].chart_number),
        "title": css_string(document.title),
        "generated": css_string(date_filter(context["generated_at"], "M j, Y H:i")),
    }
    if head_time:
        html = render_to_string(
            "pdf/live_time.html",
            {
                **context,
                "report": document.front_template,
                "margins": strings,
                "head_time": True,
                "second_page": count > 1,
            },
        )
    else:
        html = _stamp_html(
            layer="live",
            pages=min(count, 2),
            paper=context["paper"],
            **{f"{k}_css": v for k, v in strings.items()},
        )
    first, *other = PdfReader(io.BytesIO(_layout(html).write_pdf())).pages
    numbers = _numbers(count, context["paper"], stylesheet_digest())
    return [[first, *other * (count - 1)], list(numbers.pages)]


def history_pdf(
    *,
    context: dict,
    letterhead: dict | None = None,
    progress: Callable[[int], None] | None = None,
    share: Share | None = None,
) -> RenderedPdf:
    """The history of ``context`` (``patient_history.build_history``) as one PDF;
    ``share``: see ``kept_parts``."""
    return kept_pdf(
        context=context, document=HISTORY, letterhead=letterhead, progress=progress, share=share
    )


def _with_tail(runs: list[Run], *, context: dict, document: Document) -> list[Run]:
    """The runs and, after them, the document's live tail (the record's audit trail:
    the export itself is audited, so it changes on every read and is never kept)."""
    if not document.tail_template:
        return runs
    html = render_to_string(document.tail_template, context)
    if not html.strip():
        return runs
    if runs and not runs[-1].kept:
        runs[-1].html = mark_safe(runs[-1].html + html)  # noqa: S308 # nosec B308 B703 - our autoescaping template
    else:
        run = Run(entries=[], kept=False, html=mark_safe(html), anchor=f"{RUN_PREFIX}{len(runs)}")  # noqa: S308 # nosec B308 B703 - as above
        runs.append(run)
    return runs


def kept_pdf(
    *,
    context: dict,
    document: Document,
    letterhead: dict | None = None,
    progress: Callable[[int], None] | None = None,
    share: Share | None = None,
) -> RenderedPdf:
    """``document`` of ``context`` (the history's ``build_history``, the record's
    ``build_record``) as one PDF: the kept parts from storage (or laid out and kept),
    the rest laid out now, merged, the margins stamped over; ``share``: see
    ``kept_parts``."""
    context = {**base_context(letterhead=letterhead), **context}
    if "measured_series" not in context:
        # Measured asymmetry across visits: in the front matter, rendered on every read
        # (never in a kept part; 1 query, 2 when something was measured).
        context["measured_series"] = measured_history(
            visits=[entry.visit for entry in context["visits"]]
        )
        context["scale_sentence"] = SCALE_SENTENCE
    runs = _with_tail(runs_of(context, document), context=context, document=document)
    kept = kept_parts(runs, context=context, share=share, document=document)
    if progress:
        progress(70)
    live = [r for r in runs if not r.kept]
    front_context = {**context, "front_only": True, "runs": live}
    if document.tail_template:  # the audit trail changes on every read: laid out now
        laid_out = _layout(render_to_string(document.front_template, front_context))
        front = Pages(
            content=laid_out.write_pdf(),
            count=len(laid_out.pages),
            outline=_outline(laid_out.pages),
        )
        starts = _starts(laid_out)
    else:
        front, starts = kept_front(context=front_context, document=document)
    front_reader = PdfReader(io.BytesIO(front.content))
    bounds = sorted(starts.values()) + [front.count]
    live_pages = {r.anchor: (starts[r.anchor], bounds[i + 1]) for i, r in enumerate(live)}
    writer = PdfWriter()
    outline: list = []

    def add(reader: PdfReader, first: int, end: int, marks: list) -> None:
        offset = len(writer.pages) - first
        for n in range(first, end):
            writer.add_page(reader.pages[n])
        outline.extend([n + offset, level, label] for n, level, label in marks if first <= n < end)

    front_marks = front.outline
    add(front_reader, 0, bounds[0] if live else front.count, front_marks)
    for run in runs:
        if run.kept:
            part = kept[run.key]
            add(PdfReader(io.BytesIO(part.content)), 0, part.count, part.outline)
        else:
            add(front_reader, *live_pages[run.anchor], front_marks)
    if progress:
        progress(85)
    _stamp_over(
        writer,
        _stamp(
            len(writer.pages),
            context=front_context,
            document=document,
            head_time=not document.tail_template,
        ),
    )
    _add_outline(writer, outline)
    if front_reader.metadata:
        writer.add_metadata(dict(front_reader.metadata))
    buffer = io.BytesIO()
    writer.write(buffer)
    return RenderedPdf(content=buffer.getvalue(), pages=len(writer.pages))


def _stream(writer: PdfWriter, data: bytes, **entries) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream.update({NameObject(k): v for k, v in entries.items()})
    return writer._add_object(stream.flate_encode())  # noqa: SLF001 - pypdf's way to add one


def _stamp_over(writer: PdfWriter, layers: list[list[PageObject]]) -> None:
    """Draw each layer's stamp page over the merged page of the same number, as form
    XObjects after the page's own content (wrapped in q/Q): cheaper than pypdf's
    ``merge_page``, which parses and rewrites both pages' content streams. A stamp page
    drawn on several pages is one form, referenced by each."""
    forms: dict[int, tuple[NameObject, IndirectObject]] = {}

    def form_of(margins: PageObject) -> tuple[NameObject, IndirectObject]:
        if id(margins) not in forms:
            form = _stream(
                writer,
                margins.get_contents().get_data(),
                **{
                    "/Type": NameObject("/XObject"),
                    "/Subtype": NameObject("/Form"),
                    "/BBox": ArrayObject(margins.mediabox),
                    "/Resources": margins["/Resources"].clone(writer),
                },
            )
            forms[id(margins)] = (NameObject(f"/HistoryStamp{len(forms)}"), form)
        return forms[id(margins)]

    for number, page in enumerate(writer.pages):
        stamps = [form_of(layer[number]) for layer in layers]
        resources = page[NameObject("/Resources")].get_object()
        if "/XObject" not in resources:
            resources[NameObject("/XObject")] = DictionaryObject()
        xobjects = resources["/XObject"].get_object()
        for name, form in stamps:
            xobjects[name] = form
        contents = page[NameObject("/Contents")]
        own = (
            list(contents.get_object())
            if isinstance(contents.get_object(), ArrayObject)
            else [contents]
        )
        draw = b"Q\n" + b"".join(b"q " + name.encode() + b" Do Q\n" for name, _ in stamps)
        page[NameObject("/Contents")] = ArrayObject(
            [_stream(writer, b"q\n"), *own, _stream(writer, draw)]
        )


def _add_outline(writer: PdfWriter, marks: list) -> None:
    """The bookmarks WeasyPrint made from the headings, nested by level again."""
    parents: list[tuple[int, object]] = []  # (level, item)
    for page, level, label in marks:
        while parents and parents[-1][0] >= level:
            parents.pop()
        item = writer.add_outline_item(
            title=label, page_number=page, parent=parents[-1][1] if parents else None
        )
        parents.append((level, item))


# -- sweeping ---------------------------------------------------------------------


def sweep(*, unused_days: int = 90) -> int:
    """Delete the kept parts no longer asked for: every part of a treatment but the
    one read last, in each document (history, record, patient's copy, injection map:
    a newer addendum, review, letterhead or stylesheet made a new key), every front
    matter of a patient but the one read last in each document,
    and any part not read for ``unused_days``. Returns how many were deleted."""
    cutoff = timezone.now() - datetime.timedelta(days=unused_days)
    current = {  # the row read last of each treatment's (a front: patient's) document
        owner: HistoryPart.objects.filter(
            **{owner: OuterRef(owner), "document": OuterRef("document")}
        )
        .order_by("-used_at", "-pk")
        .values("pk")[:1]
        for owner in ("treatment_id", "patient_id")
    }
    parts = HistoryPart.objects.filter(treatment__isnull=False)
    fronts = HistoryPart.objects.filter(treatment__isnull=True)
    stale = (
        parts.exclude(pk=Subquery(current["treatment_id"]))
        | fronts.exclude(pk=Subquery(current["patient_id"]))
        | HistoryPart.objects.filter(used_at__lt=cutoff)
    )
    storage = private_storage()
    deleted = 0
    for row in stale.order_by("pk"):
        storage.delete(row.name)
        row.delete()
        deleted += 1
    return deleted


def built_for(*, patient: Patient, document: Document, date_from=None, date_to=None) -> dict:
    """The rows of ``document`` as its report job builds them (the history in the
    dates; the record or the patient's copy whole): the parts' keys come out the same
    in a helper worker and in a pre-render."""
    if document == HISTORY:
        return build_history(patient=patient, date_from=date_from, date_to=date_to)
    return build_record(patient=patient, plain=document == PATIENT_COPY)


def help_render_history(
    *,
    patient_id: int,
    date_from: str | None,
    date_to: str | None,
    render: str,
    chunks,
    document: str = HISTORY.name,
) -> int:
    """``help_render`` for the history of a patient in the dates (ISO dates or None),
    or for the patient's record or copy (``document``), built as the asking worker
    built it (``reports.tasks.render_history_parts``)."""
    patient = Patient.objects.get(pk=patient_id)
    context = built_for(
        patient=patient,
        document=DOCUMENTS[document],
        date_from=datetime.date.fromisoformat(date_from) if date_from else None,
        date_to=datetime.date.fromisoformat(date_to) if date_to else None,
    )
    return help_render(context=context, render=render, chunks=chunks, document=DOCUMENTS[document])


# -- laying out ahead of the click (charting.prerender) -------------------------------


def patients_without_parts(*, limit: int) -> list[int]:
    """Up to ``limit`` patients with a signed treatment (not a touch-up: that one is
    printed in its cycle's part) that has no kept part in one of the documents (never
    rendered: an upgrade, or swept after 90 days unread), those signed most recently
    first. One query. A treatment whose seal fails stays without parts, so its patient
    comes back here (the rows are read and checked again, nothing is laid out)."""
    documents = (
        HistoryPart.objects.filter(treatment=OuterRef("pk"), document__in=list(DOCUMENTS))
        .order_by()
        .values("treatment")
        .annotate(n=Count("document", distinct=True))
        .values("n")
    )
    lacking = (
        Treatment.objects.signed()
        .filter(touch_up_of__isnull=True)
        .annotate(kept=Coalesce(Subquery(documents), 0))
        .filter(kept__lt=len(DOCUMENTS))
    )
    rows = (
        lacking.values("visit__patient_id")
        .annotate(last=Max("signed_at"))
        .order_by("-last", "visit__patient_id")[:limit]
    )
    return [row["visit__patient_id"] for row in rows]


def prerender(*, patient_id: int, documents: tuple[Document, ...] | None = None) -> int:
    """Lay out and keep the patient's kept parts not in storage yet, in each document,
    before anyone asks (``reports.tasks.prerender_history_parts``, the nightly
    ``manage.py prerender_history_parts``). The rows are read and every seal checked
    here, as on a read: only a run the read would keep (``Run.kept``: signed and
    verifying now) is laid out. Safe twice: a part already kept is skipped, and each
    part is claimed in the cache first (a second task skips what the first lays out).
    Returns how many parts it stored; a patient gone since: 0."""
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None:
        return 0
    letterhead = letterhead_context()
    stored = 0
    for document in documents or tuple(DOCUMENTS.values()):
        context = {
            **base_context(letterhead=letterhead),
            **built_for(patient=patient, document=document),
        }
        runs = [r for r in runs_of(context, document) if r.kept]
        have = set(
            HistoryPart.objects.filter(key__in=[r.key for r in runs]).values_list("key", flat=True)
        )
        todo = [r for r in runs if r.key not in have and _claim(f"ahead-{r.key}", 0)]
        try:
            for start in range(0, len(todo), CHUNK):
                _render_and_store(
                    todo[start : start + CHUNK], context=context, rows={}, document=document
                )
        finally:  # laid out (or failed): a later pre-render may take them (parts swept)
            _release([f"ahead-{r.key}" for r in todo])
        stored += len(todo)
    return stored


def _release(renders: list[str]) -> None:
    try:
        cache.delete_many([f"history-parts:{render}:0" for render in renders])
    except Exception:  # noqa: BLE001 - the claim expires by itself (CLAIM_SECONDS)
        log.warning("history parts: the cache did not release the pre-render's claims")


def second_worker(
    *, patient_id: int, date_from, date_to, document: Document = HISTORY
) -> Share | None:
    """A ``Share`` that sends the chunks to the queue of the running report task, or
    None outside a worker (eager tasks, the bench, a shell: everything laid out here)."""
    if not current_task:  # a proxy: false outside a task
        return None
    request = current_task.request
    if request.is_eager or not request.delivery_info:
        return None
    queue = request.delivery_info.get("routing_key")

    def share(render: str, chunks: list[list[str]]) -> None:
        try:
            current_app.send_task(
                HELPER_TASK,
                kwargs={
                    "patient_id": patient_id,
                    "date_from": date_from.isoformat() if date_from else None,
                    "date_to": date_to.isoformat() if date_to else None,
                    "render": render,
                    "chunks": chunks,
                    "document": document.name,
                },
                queue=queue,
                retry=False,
            )
        except Exception:  # noqa: BLE001 - no broker: this worker lays it all out
            log.warning("history parts: the broker did not take the helper task")

    return share
