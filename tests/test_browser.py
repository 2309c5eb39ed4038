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
