"""The web UI in a real browser: Debian's chromium driven by Playwright, headless.

Skipped when playwright or /usr/bin/chromium are missing (`.ci/run` installs both).
Leaves a screenshot in $MINELAW_UI_SCREENSHOT (default: the test's tmp folder).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .endpoint_support import Server

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("MINELAW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def page(serve: Callable[..., Server]) -> Iterator[tuple[object, Server, list[str]]]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM}")
    server = serve("--quiet", "--workers", "2")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        pg = context.new_page()
        outside: list[str] = []

        def guard(route) -> None:  # type: ignore[no-untyped-def]
            # nothing may be fetched from anywhere but our own server
            if route.request.url.startswith(server.url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        pg.route("**/*", guard)
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.goto(server.url + "/", wait_until="networkidle")
        yield pg, server, outside
        context.close()
        browser.close()
    assert errors == [], errors


def test_ui_runs_a_saved_query_and_shows_rows(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pg, server, outside = page
    assert pg.title().startswith("Query")
    # the welcome tab is there; one click opens a saved query without parameters and runs it
    form = pg.locator("form.saved-query[data-name='record-handovers']")
    form.locator("button").click()
    pg.wait_for_function(
        "() => { const y = window.minelawYasgui; const t = y && y.getTab();"
        " return t && t.getYasqe().getValue().includes('ml:RecordHandover'); }",
        timeout=10_000,
    )
    rows = pg.locator(".tabPanel.active .yasr table tbody tr")
    rows.first.wait_for(timeout=15_000)
    assert rows.count() >= 1
    text = pg.locator(".tabPanel.active .yasr").inner_text()
    assert "handover" in text
    shot = Path(os.environ.get("MINELAW_UI_SCREENSHOT") or tmp_path / "ui.png")
    pg.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    assert outside == [], outside


def test_ui_parameter_form_binds_values(page) -> None:  # type: ignore[no-untyped-def]
    pg, server, outside = page
    form = pg.locator("form.saved-query[data-name='sources-by-grade']")
    form.locator("input[name='reliability']").fill("B")
    form.locator("input[name='credibility']").fill("3")
    form.locator("button").click()
    pg.wait_for_function(
        "() => window.minelawYasgui.getTab().getYasqe().getValue().includes('STR(\"3\")')",
        timeout=10_000,
    )
    pg.locator(".tabPanel.active .yasr table tbody tr").first.wait_for(timeout=15_000)
    # a bad value shows the server's message instead of opening a tab
    form.locator("input[name='credibility']").fill("three")
    form.locator("button").click()
    err = pg.locator("#ui-error")
    err.wait_for(state="visible", timeout=10_000)
    assert "no credibility 'three' in the knowledge base" in err.inner_text()
    assert outside == [], outside


def test_ui_csv_download_is_spreadsheet_safe(page) -> None:  # type: ignore[no-untyped-def]
    """The table's CSV download neutralises formulas (OWASP); /sparql's text/csv does not."""
    pg, server, outside = page
    pg.goto(server.url + "/", wait_until="networkidle")
    query = (
        'SELECT ?v WHERE { VALUES (?n ?v) { (1 "=HYPERLINK(\\"http://x.example\\")") '
        '(2 "-5") (3 "@SUM(A1)") (4 "plain") } } ORDER BY ?n'
    )
    pg.evaluate("q => { window.minelawYasgui.getTab().setQuery(q); return true; }", query)
    pg.locator(".tabPanel.active .yasqe_queryButton").click()
    pg.locator(".tabPanel.active .yasr table tbody tr").first.wait_for(timeout=15_000)
    data = pg.evaluate(
        "() => window.minelawYasgui.getTab().getYasr().plugins.table.download('r').getData()"
    )
    assert data.splitlines() == [
        "v",
        '"\'=HYPERLINK(""http://x.example"")"',
        "-5",
        "'@SUM(A1)",
        "plain",
    ]
    assert outside == [], outside


def test_ui_opens_a_brief_from_the_findings_list(page) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("minelaw.briefs.render")
    pg, server, outside = page
    pg.goto(server.url + "/findings", wait_until="networkidle")
    links = pg.locator("table.list a")
    if links.count() == 0:
        pytest.skip("the bundled KB yields no findings")
    fid = links.first.inner_text()
    links.first.click()
    pg.wait_for_load_state("networkidle")
    assert pg.url.endswith(".html") and "/briefs/" in pg.url
    assert fid.split("--")[0] in pg.content()
    shot = os.environ.get("MINELAW_UI_SCREENSHOT")
    if shot:
        pg.screenshot(path=shot.replace(".png", "-brief.png"))
    assert outside == [], outside


def test_ui_filter_date_inputs_and_stale_errors(page) -> None:  # type: ignore[no-untyped-def]
    """Issue 17: a filter over the saved queries, date inputs for dates, and an error banner
    that a later successful action clears."""
    pg, server, outside = page
    pg.goto(server.url + "/", wait_until="networkidle")
    party = pg.locator("form.saved-query[data-name='party-status']")
    handovers = pg.locator("form.saved-query[data-name='record-handovers']")
    filt = pg.locator("#query-filter")
    filt.fill("party status")
    assert party.is_visible() and not handovers.is_visible()
    filt.fill("no-such-words-anywhere")
    assert not party.is_visible() and pg.locator("#no-match").is_visible()
    filt.fill("")
    assert party.is_visible() and handovers.is_visible()
    assert party.locator("input[name='date']").get_attribute("type") == "date"
    assert party.locator("input[name='state']").get_attribute("type") == "text"
    # an unknown code: the server's message with the codes, no tab opened
    form = pg.locator("form.saved-query[data-name='sources-by-grade']")
    form.locator("input[name='reliability']").fill("Q")
    form.locator("input[name='credibility']").fill("3")
    form.locator("button").click()
    err = pg.locator("#ui-error")
    err.wait_for(state="visible", timeout=10_000)
    assert "no reliability 'Q' in the knowledge base" in err.inner_text()
    # the next query clears the stale banner
    handovers.locator("button").click()
    err.wait_for(state="hidden", timeout=10_000)
    pg.locator(".tabPanel.active .yasr table tbody tr").first.wait_for(timeout=15_000)
    # results in the simple view by default; its switch shows the full terms on demand
    switch = pg.locator(".tabPanel.active .yasr .switch input[type='checkbox']").first
    assert switch.is_checked()
    simple = pg.locator(".tabPanel.active .yasr table tbody").inner_text()
    switch.click()
    full = pg.locator(".tabPanel.active .yasr table tbody").inner_text()
    assert "^^" not in simple and "^^" in full
    assert outside == [], outside


def test_ui_validates_several_files(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 17: the /validate form takes several files, checked together, each reported."""
    from minelaw.intake.csvmap import example_rows, load_mappings

    mappings = load_mappings()
    paths = []
    for kind in ("state", "actor", "source"):  # the templates' examples: valid together
        p = tmp_path / f"{kind}.csv"
        p.write_text(",".join(mappings[kind].names) + "\n" + "".join(example_rows(mappings[kind])))
        paths.append(str(p))
    bad = tmp_path / "incidents.csv"
    bad.write_text(
        "id,label,date,date_precision,place,device_type,source,verification\n"
        "ev-ui-1,Incident,2023-05-01,day,place-nowhere,anti-personnel-mine,"
        "src-example-ngo-report-2023,secondary\n"
    )
    pg, server, outside = page
    pg.goto(server.url + "/validate", wait_until="networkidle")
    pg.locator("form.upload input[type='file']").set_input_files([*paths, str(bad)])
    pg.locator("form.upload button").click()
    pg.wait_for_load_state("networkidle")
    sections = pg.locator("section.validated")
    sections.nth(3).wait_for(timeout=30_000)
    got = [
        (sections.nth(i).get_attribute("data-file"), sections.nth(i).get_attribute("data-status"))
        for i in range(sections.count())
    ]
    assert got == [
        ("state.csv", "valid"),
        ("actor.csv", "valid"),
        ("source.csv", "valid"),
        ("incidents.csv", "invalid"),
    ]
    row = sections.nth(3).locator("table.problems tbody tr").first.inner_text()
    assert "place" in row and "place-nowhere" in row
    shot = os.environ.get("MINELAW_UI_SCREENSHOT")
    pg.screenshot(path=shot.replace(".png", "-validate.png") if shot else tmp_path / "v.png")
    assert outside == [], outside
