"""The report's web page in a real headless Chromium: it renders the coverage tree down to
every town and the charts, logs no error, asks the network for nothing, escapes what
inventories say; a screenshot is written under reports/."""

from __future__ import annotations

import pytest

from browser import open_page
from govnet.model.divisions import Level, get_bundled_tree
from govnet.reports import REGISTRY
from govnet.reports.exits import REPORT as EXITS
from govnet.reports.files import write_reports
from oracle import UNIT, Migrated, migrate_one_unit, reports_of

HOSTILE = '<script>alert("x")</script><img src="http://example.com/x.png">人社局'


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Migrated:
    return migrate_one_unit(tmp_path_factory.mktemp("webpage"))


def test_the_page_renders_offline_with_the_tree_and_charts(migrated: Migrated) -> None:
    reports = reports_of(migrated, {UNIT: HOSTILE})
    folder, written = write_reports(migrated.root / "reports", reports, REGISTRY, ["html"])
    (page_file,) = written
    assert page_file == folder / "index.html" and folder.parent.name == "reports"
    towns = get_bundled_tree().get_descendants("370702", Level.TOWN)
    with open_page(page_file) as page:
        assert page.errors == [] and page.console == []
        assert page.requests == [page.url]  # the file itself, nothing else
        assert page.evaluate("document.querySelectorAll('script').length") == 0
        body = page.evaluate("document.body.innerText")
        assert "潍城区" in body and HOSTILE in body  # shown as text, never run or fetched
        leaves = page.evaluate(
            "[...document.querySelectorAll('.division-leaf')].map(e => e.dataset.code)"
        )
        assert leaves == [t.code for t in towns]
        names = page.evaluate(
            "[...document.querySelectorAll('.division-leaf .row-label')]"
            ".map(e => e.firstChild.textContent.trim())"
        )
        assert names == [t.name for t in towns]
        assert page.evaluate("document.querySelector('details.division').open") is True
        hidden = page.evaluate(
            "[...document.querySelectorAll('.division-leaf')].filter(e => !e.offsetParent).length"
        )
        assert hidden == 0  # the county is open: every town shows
        charts = page.evaluate(
            "[...document.querySelectorAll('svg.chart')].map(s => s.classList[1])"
        )
        assert charts == ["towns", "trend", "status"]
        assert page.evaluate("document.querySelectorAll('svg.trend polyline').length") == 3
        migrated_bar = page.evaluate(
            "[...document.querySelectorAll('svg.status title')].map(t => t.textContent)"
        )
        assert f"已迁移: {reports.progress.total.migrated}" in migrated_bar
        covered = page.evaluate(
            "document.querySelectorAll('svg.towns rect[fill=\"#2e7d32\"]').length"
        )
        assert covered == reports.coverage.rows[0].towns_covered
        assert page.evaluate("document.querySelectorAll('.critical').length") == len(
            reports.rows_of(EXITS).breaches
        )
        screenshot = folder / "index.png"
        page.screenshot(screenshot)
    assert (
        screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000
    )


def test_the_page_speaks_english_when_asked(migrated: Migrated) -> None:
    reports = reports_of(migrated)
    _, (page_file,) = write_reports(migrated.root / "reports-en", reports, REGISTRY, ["html"], "en")
    with open_page(page_file) as page:
        assert page.errors == [] and page.requests == [page.url]
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.evaluate("document.querySelector('h1').textContent").startswith(
            "E-government network consolidation report"
        )
