"""The crawl (issue 17, findings 8 and 10): one page per URL pattern per role, on a
tablet at 820 (portrait), 1024 and 1180 px wide (landscape).

At each width a page must not scroll sideways (the document is no wider than the
window), must pass axe-core's WCAG 2 A/AA rules, and its controls must be at least
44 px tall (a finger). The HTML the server sends for each page goes through the Nu
HTML checker once, in one JVM, at the end. In CI a missing checker fails the test.

``CRAWL_ONLY=movement_map`` crawls only the pages whose URL name holds that text
(while fixing one page; the assertion on the number of pages then fails).

Doors: every page of the URL patterns (``tests/test_role_matrix.walk``) for the
injector, the front desk and the clinic admin, and the sign-in page.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # nosec B404 - runs the Nu HTML checker (java) on our own pages
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from charting.models import Treatment
from tests.conftest import need
from tests.e2e.conftest import ARTIFACTS
from tests.test_role_matrix import all_pages, build_url, url_kwargs  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "assets" / "axe-core" / "axe.min.js"
WIDTHS = [(820, 1180), (1024, 768), (1180, 820)]
# Not pages: actions that answer a POST, files, feeds, JSON; GET on logout signs out.
# reports:job_status is a part of the job's page (HTMX swaps it in), checked there.
SKIP = {"logout", "healthz", "calendar_feed", "reports:job_status"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """(tags) => axe.run(document, {
  runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]
})"""

# A control's box must be 44 px tall at least (links inside running text excepted).
SMALL_TARGETS = """() => {
  const small = [];
  const seen = (el) => {
    const s = getComputedStyle(el);
    return s.visibility !== "hidden" && s.display !== "none" && el.getClientRects().length > 0;
  };
  const controls = document.querySelectorAll(
    "button, .btn, select, textarea, .nav-link, .dropdown-item, .page-link, "
    + "input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
  );
  for (const el of controls) {
    if (!seen(el) || el.closest("[hidden], .visually-hidden")) continue;
    const r = el.getBoundingClientRect();
    if (r.height < 43.5 || r.width < 43.5) {
      const name = (el.getAttribute("aria-label") || el.textContent || el.name || el.tagName)
        .trim().slice(0, 40);
      const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
      small.push(`${el.tagName.toLowerCase()} "${name}" ${size}`);
    }
  }
  return small;
}"""


def vnu_jar() -> Path | None:
    if os.environ.get("VNU_JAR"):
        return Path(os.environ["VNU_JAR"])
    found = sorted(ROOT.glob(".cache/vnu-*/vnu.jar"))
    return found[-1] if found else None


def pages_for(role, kwargs, only=None):
    for name, pattern in all_pages():
        if name in SKIP or (only and only not in pattern.pattern.converters):
            continue
        allowed = getattr(pattern.callback, "allowed_roles", None)
        if role is None and name != "login":
            continue
        if role is not None and (name == "login" or (allowed is not None and role not in allowed)):
            continue
        yield name, build_url(name, pattern, kwargs)


def html_pages(client, role, kwargs, only=None):
    """The URLs that answer the role's GET with an HTML page (asked in-process)."""
    for name, url in pages_for(role, kwargs, only):
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            yield name, url


def signed_in_context(browser, live_server, client):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1180, "height": 820}, has_touch=True
    )
    context.set_default_timeout(15_000)
    context.add_init_script(path=str(AXE))
    if settings.SESSION_COOKIE_NAME in client.cookies:
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context


def check_page(page, label: str) -> list[str]:
    problems = []
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(50)
        wide = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        if wide[0] > wide[1]:
            problems.append(f"{label} @{width}: scrolls sideways ({wide[0]} > {wide[1]} px)")
        for small in page.evaluate(SMALL_TARGETS):
            problems.append(f"{label} @{width}: small touch target {small}")
        result = page.evaluate(AXE_RUN, AXE_TAGS)
        for v in result["violations"]:
            targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
            summary = v["nodes"][0].get("failureSummary", "").replace("\n", " ")[:160]
            problems.append(
                f"{label} @{width}: axe {v['id']} ({len(v['nodes'])}): {targets} | {summary}"
            )
    return problems


def run_vnu(jar: Path, folder: Path) -> list[str]:
    java = shutil.which("java")
    need(bool(java), "no java to run the Nu HTML checker")
    files = sorted(str(p) for p in folder.glob("*.html"))
    done = subprocess.run(  # nosec B603 - fixed arguments, our own files
        [java, "-Xss4m", "-jar", str(jar), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    messages = json.loads(done.stderr or "{}").get("messages", [])
    return [
        f"vnu {Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m.get('message')} "
        f"[{(m.get('extract') or '').strip()[:80]}]"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]


@pytest.mark.django_db(transaction=True)
def test_every_page_at_three_widths_passes_axe_and_the_nu_checker(
    browser,
    live_server,
    cast,
    url_kwargs,  # noqa: F811 (the role matrix's fixture)
    tmp_path,
):
    jar = vnu_jar()
    need(bool(jar and jar.exists()), "no Nu HTML checker: run `make vnu` (vnu-jar from npm)")
    html_dir = tmp_path / "html"
    html_dir.mkdir()
    problems: list[str] = []
    visited = 0
    for role in [None, "injector", "front desk", "clinic admin"]:
        client = Client()
        if role:
            client.force_login(cast[role])
        pages = list(html_pages(client, role, url_kwargs))
        if role == "injector":
            # The visit's pages once more in another state: treated, signed, locked.
            treated = {
                **url_kwargs,
                "visit_id": Treatment.objects.get(pk=url_kwargs["treatment_id"]).visit_id,
            }
            pages += [
                (f"{name} (treated visit)", url)
                for name, url in html_pages(client, role, treated, only="visit_id")
            ]
        context = signed_in_context(browser, live_server, client)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        for name, url in pages:
            if os.environ.get("CRAWL_ONLY", "") not in name:
                continue
            label = f"{role or 'anonymous'} {name}"
            response = page.goto(url)
            if response is None or response.status != 200:
                continue
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            visited += 1
            slug = f"{role or 'anonymous'}--{name}.html".replace(" ", "-").replace(":", "-")
            slug = slug.replace("(", "").replace(")", "")
            (html_dir / slug).write_text(response.text())
            problems += check_page(page, label)
            problems += [f"{label}: JavaScript error {e}" for e in errors]
            errors.clear()
        context.close()
    problems += run_vnu(jar, html_dir)
    (ARTIFACTS / "crawl.txt").unlink(missing_ok=True)
    if problems:  # the whole list, for the one who fixes them
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "crawl.txt").write_text("\n".join(problems) + "\n")
    assert visited > 40, f"the crawl opened only {visited} pages"
    assert problems == [], f"{len(problems)} problems on {visited} pages:\n" + "\n".join(problems)
