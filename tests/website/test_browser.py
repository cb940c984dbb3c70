"""The website in a real browser (headless Chromium driven by Playwright): every page loads without
console errors, failed requests, broken links or images; screenshots at desktop and phone width;
search finds a study; every figure cell of a notebook page shows its figure and every figure links
to its full-size file (the every-page test); wide tables scroll in their own box with a hint; no raw Sphinx role and no
notebook prompt in the pages or the search index. Run by `make site-test` after `make site` (marker
`browser`). When Chromium or a built site is missing the tests are skipped with the reason, unless
``CRMRESEARCH_REQUIRE_SITES=1`` (set by `make site-test`, so CI builds and tests both sites): then they fail."""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import threading
import time
from urllib.parse import urljoin, urlparse

import pytest

from crmresearch import paths, studies

pytestmark = pytest.mark.browser

SITES = {"en": paths.build_dir() / "site", "zh": paths.build_dir() / "site-zh"}
SHOTS = paths.build_dir() / "site-screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
FIGURE_CALL = re.compile(r"ex\.figure\(.*")
RAW_ROLE = re.compile(r":(?:func|class|meth|mod|attr|exc|data|obj):`?")


def _missing(reason: str) -> None:
    """Skip (a person running pytest by hand) or fail (`make site-test`, CI) when something is missing."""
    if os.environ.get("CRMRESEARCH_REQUIRE_SITES") == "1":
        pytest.fail(f"{reason} (CRMRESEARCH_REQUIRE_SITES=1: `make site-test` must test both sites)")
    pytest.skip(reason)


@pytest.fixture(scope="module", params=list(SITES), ids=lambda lang: f"site-{lang}")
def site(request):
    folder = SITES[request.param]
    if not (folder / "index.html").is_file():
        _missing(f"no site in {folder}: run `make site` first")
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
        _missing("Chromium is not installed (Debian: apt-get install chromium; `make site-test` does it as root)")
    try:
        from playwright import sync_api
    except ImportError:
        _missing("playwright is not installed (pip install playwright)")
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
    # Every page's search starts a web worker that parses the whole index (2 MB) and builds it: half of this
    # test's time. The search has its own tests below; here each page gets the same index config with no documents.
    config = json.loads((folder / "search" / "search_index.json").read_text())["config"]
    page.route("**/search/search_index.json", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps({"config": config, "docs": []})))
    links: set[str] = set()
    for rel in pages:
        current["url"] = rel
        page.goto(server + rel, wait_until="load")
        broken = page.eval_on_selector_all("img", "els => els.filter(e => !e.complete || e.naturalWidth === 0)"
                                                  ".map(e => e.getAttribute('src'))")
        problems.extend(f"{rel}: broken image {src}" for src in broken)
        # on a phone a figure is scaled to the screen: a tap must open it at full size
        unlinked = page.eval_on_selector_all("article img", "els => els.filter(e => !e.closest('a[href]')"
                                                            " || e.closest('a').href !== e.src).map(e => e.src)")
        problems.extend(f"{rel}: figure not linked to its full-size file: {src}" for src in unlinked)
        if rel.startswith("notebooks/"):  # the studies run with Agg: the figure must be in the executed notebook
            cells = page.eval_on_selector_all(
                ".jp-CodeCell", "cells => cells.map(c => [c.querySelector('.jp-InputArea')?.textContent || '',"
                " [...c.querySelectorAll('.jp-OutputArea img')].filter(i => i.complete && i.naturalWidth > 0).length])")
            figure_cells = [(src, n) for src, n in cells if "ex.figure(" in src]
            problems.extend([f"{rel}: no figure cell found"] if not figure_cells else [])
            problems.extend(f"{rel}: figure cell shows no figure (re-run the study): {FIGURE_CALL.search(src).group(0)}"
                            for src, n in figure_cells if n == 0)
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


def test_wide_table_scrolls_in_its_own_box_with_a_hint(site, server, browser):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(server + "studies/contractual-retention.html", wait_until="load")
    box = page.evaluate("""() => {
        const t = [...document.querySelectorAll('article table')].sort((a, b) => b.scrollWidth - a.scrollWidth)[0];
        const b = t.closest('.crm-scrolls'); if (!b) return null;
        const before = b.className; b.scrollLeft = b.scrollWidth;
        return {table: t.scrollWidth, width: b.clientWidth, right: b.getBoundingClientRect().right,
                column: document.querySelector('.md-content').getBoundingClientRect().right,
                overflow: getComputedStyle(b).overflowX, before, left: b.scrollLeft};
    }""")
    assert box is not None, "the widest table is in no scrolling box"
    assert box["table"] > box["width"] and box["overflow"] in ("auto", "scroll"), box
    assert box["right"] <= box["column"] + 1, box  # the box stays in the text column; the table scrolls
    assert "crm-scroll-more" in box["before"] and box["left"] > 0, box  # a hint, and it scrolls
    page.wait_for_function("() => !document.querySelector('.crm-scrolls').classList.contains('crm-scroll-more')"
                           " || document.querySelector('.crm-scrolls').scrollLeft === 0", timeout=5000)
    page.close()


def test_no_raw_sphinx_role_or_notebook_prompt_in_pages_or_search(site):
    _, folder = site
    raw = {p.relative_to(folder).as_posix(): len(RAW_ROLE.findall(re.sub(r"<[^>]+>", "", p.read_text())))
           for p in (folder / "api").glob("*.html")}
    assert not {k: v for k, v in raw.items() if v}, raw
    assert sum(p.read_text().count('class="autorefs autorefs-internal"') for p in (folder / "api").glob("*.html")) > 100
    docs = json.loads((folder / "search" / "search_index.json").read_text())["docs"]
    text = " ".join(d["text"] for d in docs)
    assert not RAW_ROLE.search(text), RAW_ROLE.search(text)
    notebooks = " ".join(d["text"] for d in docs if d["location"].startswith("notebooks/"))
    prompts = re.findall(r"(?:In|Out)\s?\[\d*\]:|Copied!", notebooks)
    assert not prompts, f"{len(prompts)} notebook prompts or copy-button texts in the search index: {prompts[:5]}"


def test_menu_lists_each_study_by_title_with_paper_notebook_and_exhibits(site):
    lang, folder = site
    nav = (folder / "index.html").read_text()
    for s in studies.all_studies():
        title = s.title_in(lang)  # the zh site: the Chinese title, the heading of its Chinese paper
        assert html.escape(title.split(":")[0].split("：")[0], quote=False) in nav, s.name
        for href in (f"studies/{s.name}.html", f"notebooks/{s.name}.html", f"figures/{s.name}/index.html"):
            assert f'href="{href}"' in nav, href
            tab = re.search(r"<title>(.*?)</title>", (folder / href).read_text()).group(1)
            assert tab.startswith(html.escape(title, quote=False)), (href, tab)  # not just "Paper - crmresearch"
