"""HTML templates to PDF with WeasyPrint, behind a restricted URL fetcher.

WeasyPrint may load only our own static files (the report stylesheet) and
``data:`` URLs (the report's own images, embedded by the builders, e.g. a
consent signature). No network, no redirects, no file outside the static
folders: everything else is refused and counted. Patient text reaches the
templates through Django's autoescaping, so it is text, never markup.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .letterhead import context_for as letterhead_context

FETCH_TIMEOUT_SECONDS = 2


class URLRefused(ValueError):
    """The report asked for a resource it may not have."""


def static_roots() -> list[Path]:
    """The folders our static files come from (source folders and the collected root)."""
    roots = [Path(p) for p in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return [r.resolve() for r in roots]


class RestrictedURLFetcher(URLFetcher):
    """Serves ``file:`` URLs inside ``allowed_roots`` and ``data:`` URLs; refuses the rest."""

    def __init__(self, *, allowed_roots: list[Path] | None = None):
        super().__init__(
            timeout=FETCH_TIMEOUT_SECONDS,
            allowed_protocols={"file", "data"},
            allow_redirects=False,
        )
        self.allowed_roots = [Path(r).resolve() for r in (allowed_roots or static_roots())]
        self.refused: list[str] = []
        self.served: list[str] = []

    def _refuse(self, url: str, why: str):
        self.refused.append(url)
        raise URLRefused(why)

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            self.served.append("data:")
            return super().fetch(url, headers)
        if scheme != "file":
            self._refuse(url, f"{scheme}: URLs are not fetched while rendering reports")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            self._refuse(url, "file URLs on other hosts are refused")
        path = Path(url2pathname(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.allowed_roots) or not path.is_file():
            self._refuse(url, "only the clinic's own static files may be read")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.served.append(url)
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )


@dataclass
class RenderedPdf:
    content: bytes
    pages: int
    refused: list[str] = field(default_factory=list)


def base_context(*, letterhead: dict | None = None) -> dict:
    """What every PDF template reads: the clinic's letterhead and paper
    (``reports.letterhead``, one query unless given) and the time of making."""
    return {**(letterhead or letterhead_context()), "generated_at": timezone.localtime()}


def render_html(*, template: str, context: dict, letterhead: dict | None = None) -> str:
    return render_to_string(template, {**base_context(letterhead=letterhead), **context})


def html_to_pdf(html: str, *, fetcher: RestrictedURLFetcher | None = None) -> RenderedPdf:
    fetcher = fetcher or RestrictedURLFetcher()
    document = HTML(string=html, base_url=None, url_fetcher=fetcher).render()
    content = document.write_pdf()
    return RenderedPdf(content=content, pages=len(document.pages), refused=list(fetcher.refused))


def render_pdf(*, template: str, context: dict) -> RenderedPdf:
    return html_to_pdf(render_html(template=template, context=context))
