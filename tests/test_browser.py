"""The built report set in a real browser: headless Chromium driven by Selenium.

Skipped, with the reason, when Chromium or chromedriver is not installed (Debian packages
``chromium`` and ``chromium-driver``; ``.ci/run`` installs them).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from urllib.parse import urlparse

import pytest
from fixtures.report_set import BUILT_UNITS, REAL_UNITS, TRIAL_CHAPTERS, TRIAL_UNIT, real_build

from dsr_analysis.programme_theory import load_programme_theory
from dsr_analysis.report.units import load_units, report_chapters

pytestmark = pytest.mark.browser

CHROMIUM = next(
    (
        shutil.which(name)
        for name in ("chromium", "chromium-browser", "google-chrome")
        if shutil.which(name)
    ),
    None,
)
CHROMEDRIVER = shutil.which("chromedriver")
LOCAL_SCHEMES = {"file", "data", "about", "chrome", "chrome-error", "devtools", "blob"}


@pytest.fixture(scope="module")
def driver():
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("headless Chromium not installed: apt-get install chromium chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="dsr-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(60)
    yield browser
    browser.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def reports():
    settings, summary = real_build()
    assert not summary.failed
    return settings.reports_dir


def requested_urls(browser) -> list[str]:
    """URLs the browser asked for since the last call (from Chromium's performance log)."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def console_errors(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def all_pages(reports):
    return [reports / "index.html"] + sorted(reports.glob("*/*.html"))


def test_pages_load_without_errors_or_outside_requests(driver, reports):
    pages = all_pages(reports)
    assert len(pages) == 1 + 5 * len(REAL_UNITS) + len(TRIAL_CHAPTERS) + len(BUILT_UNITS)
    for page in pages:
        driver.get(page.as_uri())
        assert driver.find_elements("css selector", "h1"), page
        errors = console_errors(driver)
        assert errors == [], (page, errors)
        outside = [u for u in requested_urls(driver) if urlparse(u).scheme not in LOCAL_SCHEMES]
        assert outside == [], (page, outside)


def test_headings_follow_programme_theory_via_next_links(driver, reports):
    theory = load_programme_theory()
    units = {unit.id: unit for unit in load_units()}
    for unit in BUILT_UNITS:
        driver.get((reports / unit / "01_effort.html").as_uri())
        titles = []
        while True:
            titles.append(driver.find_element("css selector", "h1").text.split(" – ")[0])
            following = driver.find_elements("css selector", "nav.pager .next a")
            if not following:
                break
            following[0].click()
        # Copenhagen's set skips the monitoring's levels, the order stays the theory's.
        chapters = report_chapters(units[unit], theory)
        assert titles == [c.level.title.da for c in chapters], unit
        indicators = [
            s.get_attribute("data-indicator")
            for s in driver.find_elements("css selector", "section.indicator")
        ]
        assert indicators in ([ind.id for ind in theory.levels[-1].indicators], [])
    assert titles == ["Indsats", "Virkning på lang sigt"]  # the last unit is Copenhagen


def test_every_link_leads_to_a_page(driver, reports):
    checked = set()
    for page in all_pages(reports):
        driver.get(page.as_uri())
        links = [a.get_attribute("href") for a in driver.find_elements("css selector", "a[href]")]
        for href in links:
            assert urlparse(href).scheme == "file", (page, href)
            target = href.split("#")[0]
            if target in checked:
                continue
            checked.add(target)
            driver.get(target)
            assert driver.find_elements("css selector", "h1"), (page, href)
            assert driver.title, (page, href)
        driver.get(page.as_uri())
    # The index reaches every chapter of every built unit.
    assert len(checked) >= 5 * len(REAL_UNITS) + len(TRIAL_CHAPTERS) + 1


def test_index_back_link_and_current_chapter(driver, reports):
    driver.get((reports / "kolding" / "03_immediate.html").as_uri())
    current = driver.find_element("css selector", "nav.chapters a[aria-current='page']")
    assert current.text.startswith("3.")
    driver.find_element("css selector", "header.site div > a").click()
    assert driver.find_element("css selector", "h1").text == "Evalueringsrapporter"


def test_copenhagen_trial_chapter_in_the_browser(driver, reports):
    driver.get((reports / TRIAL_UNIT / "05_long_term.html").as_uri())
    assert driver.find_element("css selector", "h1").text == "Virkning på lang sigt – København"
    captions = [c.text for c in driver.find_elements("css selector", "table.cells caption")]
    assert [c.split(".")[0] for c in captions] == [f"Tabel KBH-{i}" for i in range(1, 8)]
    # The code is hidden and the figure is drawn (inline SVG with a size on the page).
    assert not driver.find_elements("css selector", ".jp-InputArea, .input_area, pre code")
    figure = driver.find_element("css selector", "figure.chart svg")
    assert figure.size["width"] > 300 and figure.size["height"] > 300
    back = driver.find_element("css selector", "nav.pager .prev a")
    assert back.text == "1. Indsats"
    back.click()
    assert driver.find_element("css selector", "h1").text == "Indsats – København"


def test_the_request_check_can_fail(driver, tmp_path):
    # Negative control: a page that fetches over http is caught (loopback, so nothing leaves).
    page = tmp_path / "bad.html"
    page.write_text("<h1>x</h1><img src='http://127.0.0.1:9/x.png'>", encoding="utf-8")
    requested_urls(driver)  # drain earlier entries
    driver.get(page.as_uri())
    outside = [u for u in requested_urls(driver) if urlparse(u).scheme not in LOCAL_SCHEMES]
    assert outside == ["http://127.0.0.1:9/x.png"]
    console_errors(driver)


# ------------------------------------------------ pages that read as an evaluation (issue) --

#: What every chapter page must show, measured in the rendered page (JavaScript in Chromium).
READER_CHECKS = """
const main = document.querySelector('main');
const h1 = main.querySelector('h1');
const summary = main.querySelector('section.summary');
const first = [...main.querySelectorAll('figure, section.indicator, table, h2')]
  .find(e => !summary || !summary.contains(e));
const figures = [...main.querySelectorAll('figure')];
const drawn = figures.filter(f => f.dataset.cells !== undefined);
return {
  summaryAfterHeading: !!(summary && h1 &&
    (h1.compareDocumentPosition(summary) & Node.DOCUMENT_POSITION_FOLLOWING) &&
    (!first || (summary.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING))),
  summaryLines: summary ? summary.innerText.split('\\n').filter(l => l.trim()).length : 0,
  uncaptioned: figures.filter(f => !(f.querySelector('figcaption')?.innerText.trim())).length,
  allHidden: drawn.filter(f => {
    const cells = (f.dataset.cells || '').split(';').filter(Boolean);
    const hidden = (f.dataset.hiddenCells || '').split(';').filter(Boolean);
    return cells.length > 0 && cells.every(c => hidden.includes(c));
  }).length,
  hiddenCells: main.querySelectorAll('td.hidden-cell').length,
  hiddenNotes: main.querySelectorAll('p.hidden-note').length,
  hiddenFigures: drawn.filter(f => (f.dataset.hiddenCells || '') !== '').length,
  hiddenFigureNotes: drawn.filter(f => (f.dataset.hiddenCells || '') !== '' &&
    /skjult|hidden/.test(f.querySelector('figcaption').innerText)).length,
};
"""


def chapter_pages(reports):
    return [p for p in sorted(reports.glob("*/*.html")) if p.name != "method.html"]


def read_as_a_reader(driver, pages, shots):
    """Open every page, take a full-page screenshot into ``shots`` and measure it."""
    found = {}
    for page in pages:
        driver.set_window_size(1280, 900)
        driver.get(page.as_uri())
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(height, 12000))
        name = f"{page.parent.name}__{page.stem}.png"
        assert driver.save_screenshot(str(shots / name)), page
        found[page] = driver.execute_script(READER_CHECKS)
    return found


def test_every_chapter_reads_as_an_evaluation(driver, reports, tmp_path):
    for page, seen in read_as_a_reader(driver, chapter_pages(reports), tmp_path).items():
        assert seen["summaryAfterHeading"], page       # "Kort fortalt" first
        assert 2 <= seen["summaryLines"] <= 12, page
        assert seen["uncaptioned"] == 0, page          # every figure has its caption
        assert seen["allHidden"] == 0, page            # no chart of a fully hidden table
        if seen["hiddenCells"]:
            assert seen["hiddenNotes"] >= 1, page      # the mark explained where it is used
        assert seen["hiddenFigureNotes"] == seen["hiddenFigures"], page
    assert len(list(tmp_path.glob("*.png"))) == len(chapter_pages(reports))


@pytest.fixture(scope="module")
def english_reports(tmp_path_factory):
    from fixtures.report_set import pinned_build

    from dsr_analysis.runner.model import Settings

    root = tmp_path_factory.mktemp("english")
    settings = Settings(reports_dir=root / "reports", build_dir=root / "build")
    summary = pinned_build(["kolding", TRIAL_UNIT], jobs=2, lang="en", settings=settings,
                           progress=False)
    assert not summary.failed and not summary.problems
    return settings.reports_dir


def test_english_pages_read_as_an_evaluation_and_hold_no_danish(
    driver, english_reports, tmp_path
):
    from test_language import danish_words

    pages = chapter_pages(english_reports)
    for page, seen in read_as_a_reader(driver, pages, tmp_path).items():
        assert seen["summaryAfterHeading"] and seen["uncaptioned"] == 0, page
        driver.get(page.as_uri())
        text = driver.find_element("css selector", "body").text
        assert danish_words(text) == [], page
