"""The website in a real browser (headless Chromium driven by Playwright): every page loads without
console errors, failed requests, broken links or images; screenshots at desktop and phone width;
search finds a study. Run by `make site-test` after `make site` (marker `browser`; skipped with a
clear reason when Chromium or the built site is missing)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
from urllib.parse import urljoin, urlparse

import pytest

from crmresearch import paths

pytestmark = pytest.mark.browser

SITES = {"en": paths.build_dir() / "site", "zh": paths.build_dir() / "site-zh"}
SHOTS = paths.build_dir() / "site-screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


@pytest.fixture(scope="module", params=list(SITES), ids=lambda lang: f"site-{lang}")
def site(request):
    folder = SITES[request.param]
    if not (folder / "index.html").is_file():
        pytest.skip(f"no site in {folder}: run `make site` first")
    return request.param, folder


@pytest.fixture(scope="module")
def server(site):
    _, folder = site
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.log_message = lambda *a: None  # quiet
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; `make site-test` does it as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def _local(url: str, base: str) -> bool:
    return urlparse(url).netloc == urlparse(base).netloc


def test_every_page_loads_without_errors_broken_links_or_images(site, server, browser):
    _, folder = site
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html") if p.name != "404.html")
    assert len(pages) > 60  # home, guides, 14 papers, 14 notebooks, 14 exhibit pages, the API reference
    page = browser.new_page(viewport=DESKTOP)
    problems: list[str] = []
    current = {"url": ""}
    page.on("console", lambda m: problems.append(f"{current['url']}: console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"{current['url']}: page error: {e}"))
    # a request cut off by moving to the next page (net::ERR_ABORTED) is not a failure of the site
    page.on("requestfailed", lambda r: problems.append(f"{current['url']}: request failed: {r.url} ({r.failure})")
            if "ERR_ABORTED" not in (r.failure or "") else None)
    page.on("response", lambda r: problems.append(f"{current['url']}: HTTP {r.status}: {r.url}")
            if r.status >= 400 else None)
    links: set[str] = set()
    for rel in pages:
        current["url"] = rel
        page.goto(server + rel, wait_until="load")
        broken = page.eval_on_selector_all("img", "els => els.filter(e => !e.complete || e.naturalWidth === 0)"
                                                  ".map(e => e.getAttribute('src'))")
        problems.extend(f"{rel}: broken image {src}" for src in broken)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        links.update(h.split("#")[0] for h in hrefs if _local(h, server))
    for href in sorted(links):  # every local link target exists
        path = folder / urlparse(href).path.lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if not path.exists():
            problems.append(f"broken link: {href}")
    page.close()
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("name, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_home_and_a_paper_fit_the_width(site, server, browser, name, viewport):
    lang, _ = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=viewport)
    pages = (("home", "index.html"), ("paper", "studies/churn-survival.html"))
    if lang != "en":  # the Chinese site: a paper's figures and an exhibit page
        pages = (("paper", "studies/service-recovery.html"), ("exhibits", "figures/service-recovery/index.html"))
    for slug, rel in pages:
        page.goto(server + rel, wait_until="networkidle")
        out = SHOTS / f"{lang}-{slug}-{name}.png"
        page.screenshot(path=str(out), full_page=False)
        assert out.stat().st_size > 10_000
        # nothing wider than the screen on the page itself (tables scroll inside their own box)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{rel} is {overflow}px wider than a {viewport['width']}px screen"
        assert page.locator("h1").first.is_visible()
    page.close()


def test_search_finds_a_study(server, browser):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(server + "index.html", wait_until="networkidle")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator("input.md-search__input")
    meta, deadline = "", time.monotonic() + 90  # the index loads in a web worker: slow on a busy machine
    while time.monotonic() < deadline:  # typed as a reader types (the search listens to key events)
        box.fill("")
        box.type("Kaplan", delay=20)
        page.wait_for_timeout(500)
        meta = page.locator(".md-search-result__meta").first.inner_text()
        if page.locator(".md-search-result__item").count() > 0:
            break
    results = page.locator(".md-search-result__item")
    assert results.count() > 0, meta
    first = page.locator(".md-search-result__link").first.get_attribute("href")
    assert first and urljoin(server, first).startswith(server)
    page.close()


def _search(page, query: str) -> list[str]:
    """The result links Material's search shows for ``query`` typed into the search box."""
    page.locator("label.md-search__icon, .md-search__input").first.click()
    box = page.locator("input.md-search__input")
    deadline = time.monotonic() + 90  # the index loads in a web worker: slow on a busy machine
    while time.monotonic() < deadline:
        box.fill("")
        box.type(query, delay=20)  # typed as a reader types; characters off the keyboard come as input events,
        box.press("End")           # and the search runs on a key release: a key every reader presses
        page.wait_for_timeout(500)
        if page.locator(".md-search-result__item").count() > 0:
            break
    return page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => e.getAttribute('href'))")


@pytest.mark.parametrize("query, papers", [("流失", ("churn-survival", "churn-targeting")),
                                           ("满意度", ("satisfaction-acsi",))])
def test_chinese_search_finds_the_chinese_papers(site, server, browser, query, papers):
    """The zh site segments Chinese (jieba, in the search index): a Chinese word finds the papers about it.
    Without segmentation 流失 matches only where a run of Chinese starts with it, and misses churn-survival."""
    lang, _ = site
    if lang != "zh":
        pytest.skip("the Chinese papers are on the zh site")
    page = browser.new_page(viewport=DESKTOP)
    page.goto(server + "index.html", wait_until="networkidle")
    hrefs = _search(page, query)
    page.close()
    missing = [p for p in papers if not any(urlparse(h).path.endswith(f"studies/{p}.html") for h in hrefs)]
    assert not missing, f"{query!r} finds {hrefs[:10]}, not the papers {missing}"
