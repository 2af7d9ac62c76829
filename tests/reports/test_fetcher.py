"""The restricted URL fetcher: our static files and data: URLs, nothing else."""

from __future__ import annotations

import base64
import http.server
import threading
from pathlib import Path

import pytest
from django.conf import settings

from charting.reports.patient_history import build_history
from charting.reports.rendering import RestrictedURLFetcher, URLRefused, html_to_pdf, render_html
from charting.reports.storage import static_file_url
from tests.factories import make_history
from tests.reports.pdfs import pdf_text

PNG_1PX = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db40000000049454e44ae426082"
    )
).decode()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/x.css",
        "ftp://example.org/x",
        "file://otherhost/etc/passwd",
    ],
)
def test_refuses_anything_but_our_static_files(url):
    fetcher = RestrictedURLFetcher()
    with pytest.raises(URLRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_refuses_a_path_that_climbs_out_of_the_static_folder():
    static = Path(settings.STATICFILES_DIRS[0]).resolve()
    url = (
        (static / "css" / ".." / ".." / "pyproject.toml")
        .as_uri()
        .replace("/pyproject.toml", "/../pyproject.toml")
    )
    fetcher = RestrictedURLFetcher()
    with pytest.raises(URLRefused):
        fetcher.fetch(url)
    with pytest.raises(URLRefused):
        fetcher.fetch((static.parent / "pyproject.toml").as_uri())


def test_serves_our_stylesheet_and_data_urls():
    fetcher = RestrictedURLFetcher()
    css = fetcher.fetch(static_file_url("css/pdf.css"))
    assert css.content_type == "text/css"
    assert b"@page" in css.read()
    image = fetcher.fetch(f"data:image/png;base64,{PNG_1PX}")
    assert image.read().startswith(b"\x89PNG")
    assert fetcher.refused == []


def test_a_document_asking_for_local_files_renders_without_them():
    html = (
        '<html><body><p>Visible text</p><img src="file:///etc/passwd">'
        '<link rel="stylesheet" href="file:///etc/hostname"></body></html>'
    )
    fetcher = RestrictedURLFetcher()
    pdf = html_to_pdf(html, fetcher=fetcher)
    assert set(fetcher.refused) == {"file:///etc/passwd", "file:///etc/hostname"}
    assert pdf.content.startswith(b"%PDF")


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the stdlib's name
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.django_db
def test_an_http_url_in_patient_text_is_printed_never_fetched(http_server, patient, injector):
    bait = f'<img src="{http_server}/tracker.png"> <link rel=stylesheet href="{http_server}/x.css">'
    make_history(patient=patient, injector=injector, cycles=1, notes=bait)
    fetcher = RestrictedURLFetcher()
    html = render_html(template="pdf/history.html", context=build_history(patient=patient))
    pdf = html_to_pdf(html, fetcher=fetcher)
    assert _Recorder.hits == []
    assert not [u for u in fetcher.refused if u.startswith("http")]
    text = pdf_text(pdf.content)
    assert f"{http_server}/tracker.png" in text.replace("\n", "")
