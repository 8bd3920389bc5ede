"""The app in a real browser: `molmara app` on a free localhost port, every page opened in headless
Chromium; each must show its heading, no Streamlit exception block, and a screenshot that is not blank.

The last screenshots stay in tests/webapp/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.webapp.chromium import Browser, chromium_binary

SCREENSHOTS = Path(__file__).parent / "screenshots"
PAGES = [  # (path, heading, text the page must show)
    ("", "molmara", "Runs in the store"),
    ("Objective_builder", "Objective builder", "Save and load as TOML"),
    ("Launch", "Launch a run", "Compare: a MARA run and a plain run"),
    ("Monitor", "Monitor runs", "MemoryError"),  # the newest run is the one that failed
    ("Monitor?run=tiny-mara", "Monitor runs", "Newest hits"),
    ("Scaffold_diversity", "Scaffold diversity", "Chemical space of the hits"),
    ("Compare_runs", "Compare runs", "Every count is in oracle calls"),
    ("Why_do_runs_collapse", "Why do runs collapse?", "effective scaffolds"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(app_store, tmp_path_factory):
    """`molmara app` serving the fixture store on a free port; stopped (with its Streamlit child) afterwards."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("app-server") / "app.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "molmara.cli", "app", "--port", str(port), "--store", str(app_store)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group: molmara app and the streamlit server it starts
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 300
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "_stcore/health", timeout=5) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.time() > deadline:
                raise AssertionError(f"molmara app did not come up on port {port}:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def dark_share(png: Path) -> float:
    """Share of dark pixels (text, drawings, chart marks) right of the sidebar; 0 for a blank or skeleton page."""
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        main = grey.crop((320, 0, grey.width, grey.height))
        histogram = main.histogram()
    return sum(histogram[:128]) / (main.width * main.height)


@pytest.mark.slow
def test_every_page_renders_in_chromium(app_url, tmp_path):
    binary = chromium_binary()
    if binary is None:
        pytest.fail("chromium is not installed: run `apt-get install -y chromium` (.ci/run does) to test the app")
    SCREENSHOTS.mkdir(exist_ok=True)
    problems = []
    with Browser(binary, tmp_path / "profile") as browser:
        for path, heading, text in PAGES:
            state = browser.open(app_url + path, heading)
            dom = browser.dom()
            name = path.replace("?", "_").replace("=", "_") or "Home"
            shot = browser.screenshot(SCREENSHOTS / f"{name}.png")
            (SCREENSHOTS / f"{name}.html").write_text(dom)
            if heading not in state.get("headings", []):
                problems.append(f"{name}: no heading {heading!r} (state {state})")
            if 'data-testid="stException"' in dom:
                problems.append(f"{name}: an exception block is on the page")
            if text not in dom:
                problems.append(f"{name}: {text!r} is not on the page")
            if dark_share(shot) < 0.002:
                problems.append(f"{name}: the screenshot is blank ({shot})")
    assert not problems, "\n".join(problems)


def tall_browser(tmp_path: Path) -> Browser:
    """Headless Chromium with a 3,200 px tall window, so that a whole Scaffold diversity page is in view."""
    binary = chromium_binary()
    if binary is None:
        pytest.fail("chromium is not installed: run `apt-get install -y chromium` (.ci/run does) to test the app")
    browser = Browser(binary, tmp_path / "profile")
    try:
        browser.call("Emulation.setDeviceMetricsOverride", width=1400, height=3200, deviceScaleFactor=1, mobile=False)
    except Exception:
        browser.close()
        raise
    return browser


@pytest.mark.slow
def test_a_box_on_the_chemical_space_map_shows_its_molecules(app_url, tmp_path):
    with tall_browser(tmp_path) as browser:
        browser.open(f"{app_url}Scaffold_diversity?run=tiny-mara", "Scaffold diversity", settle=3)
        assert "no box drawn yet" in browser.dom()
        browser.drag_across('[data-testid="stVegaLiteChart"] .marks', (0.05, 0.05), (0.9, 0.95))
        deadline = time.time() + 120
        while "hits in the box" not in browser.dom() and time.time() < deadline:
            time.sleep(0.5)
        browser.screenshot(SCREENSHOTS / "Scaffold_diversity_box.png")
        dom = browser.dom()
    assert re.search(r"[1-9][0-9]* hits in the box", dom), "a box drawn on the map showed no molecules"
    assert 'data-testid="stException"' not in dom


def open_scaffolds_at_threshold_0(browser: Browser, app_url: str) -> str | None:
    """Scaffold diversity on tiny-mara with every molecule a hit, once its picker is there; the picker's value."""
    browser.open(f"{app_url}Scaffold_diversity?run=tiny-mara&threshold=0", "Scaffold diversity", settle=3)
    deadline = time.time() + 240  # the page's script may still be going on a loaded machine
    while not browser.evaluate(PICK_JS) and time.time() < deadline:
        time.sleep(0.5)
    return browser.evaluate(PICK_JS)


PICK_JS = (
    "document.querySelector('[class*=\"st-key-scaffold_pick_\"] input')?.value ?? null"  # the picker's shown value
)


@pytest.mark.slow
def test_clicking_a_scaffold_row_shows_that_scaffold(app_url, tmp_path):
    with tall_browser(tmp_path) as browser:
        first = open_scaffolds_at_threshold_0(browser, app_url)
        if not first:
            browser.screenshot(SCREENSHOTS / "Scaffold_diversity_row.png")
        assert first, "no scaffold picker on the page (see Scaffold_diversity_row.png)"
        time.sleep(2)  # let the table below it paint
        # the scaffold table is the page's first data grid; its second row's selection box (rows are 35 px)
        browser.click('[data-testid="stDataFrame"]', 16, 35 + 35 + 17)
        deadline = time.time() + 120
        while browser.evaluate(PICK_JS) == first and time.time() < deadline:
            time.sleep(0.5)
        browser.screenshot(SCREENSHOTS / "Scaffold_diversity_row.png")
        picked, dom = browser.evaluate(PICK_JS), browser.dom()
    assert picked and picked != first, f"clicking the second row left the picker at {first!r}"
    assert 'data-testid="stException"' not in dom


METRICS_JS = """JSON.stringify(Object.fromEntries([...document.querySelectorAll('[data-testid="stMetric"]')].map(
  m => [m.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim(),
        m.querySelector('[data-testid="stMetricValue"]')?.innerText.trim()])))"""


@pytest.mark.slow
def test_monitor_follows_a_running_run_without_a_reload(app_url, app_store, tiny_prior_path, tmp_path):
    import json

    from molmara.jobs import JobManager, log_tail
    from molmara.store import RunStore
    from tests.webapp.conftest import tiny_run_config

    binary = chromium_binary()
    if binary is None:
        pytest.fail("chromium is not installed: run `apt-get install -y chromium` (.ci/run does) to test the app")
    jobs = JobManager(app_store)
    run = jobs.launch(tiny_run_config(tiny_prior_path, app_store.parent, "live-run", steps=5000))
    try:
        deadline = time.time() + 300
        while RunStore(app_store).last_step(run) < 1:
            info = jobs.status(run)
            alive = info["status"] in ("created", "running")
            assert alive and time.time() < deadline, f"no first step: {info['status']}\n{log_tail(info['log_path'])}"
            time.sleep(0.5)
        with Browser(binary, tmp_path / "profile") as browser:
            browser.open(f"{app_url}Monitor?run={run}", "Monitor runs")
            deadline = time.time() + 240  # from the page shown: opening it can take long on a loaded machine
            first = int(json.loads(browser.evaluate(METRICS_JS))["steps"].replace(",", ""))
            seen = first
            while seen <= first and time.time() < deadline:
                time.sleep(1)  # no navigation: the page refreshes itself
                seen = int(json.loads(browser.evaluate(METRICS_JS)).get("steps", "0").replace(",", ""))
            browser.screenshot(SCREENSHOTS / "Monitor_live.png")
            dom = browser.dom()
            (SCREENSHOTS / "Monitor_live.html").write_text(dom)
            assert 'data-testid="stException"' not in dom, "an exception block is on the page (Monitor_live.html)"
            assert seen > first, f"the Monitor page stayed at step {first} while the run went on"
            assert jobs.cancel(run) == "cancelled"  # ended from elsewhere: the page must say so everywhere
            deadline = time.time() + 120
            status = lambda: json.loads(browser.evaluate(METRICS_JS)).get("status")  # noqa: E731
            while status() != "cancelled" and time.time() < deadline:
                time.sleep(1)
            time.sleep(2)
            browser.screenshot(SCREENSHOTS / "Monitor_ended.png")
            picker = browser.evaluate("document.querySelector('.st-key-monitor_run input')?.value ?? null")
        assert status_seen_ok(picker, run), f"the run picker says {picker!r} for the cancelled run"
    finally:
        if jobs.status(run)["status"] in ("created", "running"):
            jobs.cancel(run)
        with RunStore(app_store) as store:
            store.delete_run(run)


def status_seen_ok(picker: str | None, run: int) -> bool:
    """The Monitor picker names the run and no stale status."""
    return bool(picker) and picker.startswith(f"{run} ") and "(running)" not in picker and "(created)" not in picker


SELECTED_JS = """JSON.stringify([...([...document.querySelectorAll('[data-testid="stDataFrame"]')][0]
  ?.querySelectorAll('tr[aria-selected="true"] td:first-child') ?? [])].map(td => td.innerText.trim()))"""


def picked_scaffold(browser: Browser) -> str | None:
    """The picker's scaffold (its shown value is "SCAFFOLD — N hits")."""
    value = browser.evaluate(PICK_JS)
    return value.split(" — ")[0] if value else None


@pytest.mark.slow
def test_switching_the_grouping_leaves_table_and_picker_on_the_same_scaffold(app_url, tmp_path):
    import json

    with tall_browser(tmp_path) as browser:
        open_scaffolds_at_threshold_0(browser, app_url)
        first = picked_scaffold(browser)
        assert first, "no scaffold picker on the page"
        time.sleep(2)
        browser.click('[data-testid="stDataFrame"]', 16, 35 + 35 + 17)  # the second row of the scaffold table
        deadline = time.time() + 120
        while picked_scaffold(browser) == first and time.time() < deadline:
            time.sleep(0.5)
        murcko = picked_scaffold(browser)
        assert murcko != first and json.loads(browser.evaluate(SELECTED_JS)) == [murcko]
        browser.evaluate(  # group by generic scaffolds
            "[...document.querySelectorAll('.st-key-scaffold_kind label')].find(l => l.innerText.startsWith('generic'))"
            ".click()"
        )
        deadline = time.time() + 120
        while picked_scaffold(browser) in (murcko, None) and time.time() < deadline:
            time.sleep(0.5)
        time.sleep(2)
        SCREENSHOTS.mkdir(exist_ok=True)
        browser.screenshot(SCREENSHOTS / "Scaffold_diversity_generic.png")
        generic, selected = picked_scaffold(browser), json.loads(browser.evaluate(SELECTED_JS))
    assert generic and generic != murcko, "the picker did not follow the switch to generic scaffolds"
    assert selected in ([], [generic]), f"the table ticks {selected} while the picker shows {generic!r}"


MEMBERS_JS = """document.querySelector('.st-key-scaffold_members table')?.getAttribute('aria-rowcount') ?? null"""


@pytest.mark.slow
def test_after_adding_a_run_the_picker_counts_the_molecules_it_shows(app_url, tmp_path):
    with tall_browser(tmp_path) as browser:
        assert open_scaffolds_at_threshold_0(browser, app_url), "no scaffold picker on the page"
        browser.evaluate("document.querySelector('.st-key-scaffold_runs input').focus()")  # add the plain run
        browser.call("Input.insertText", text="tiny-plain")
        time.sleep(1)
        for kind in ("keyDown", "keyUp"):
            browser.call("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter", windowsVirtualKeyCode=13)
        deadline = time.time() + 240
        while "all runs (distinct molecules)" not in browser.dom() and time.time() < deadline:
            time.sleep(0.5)
        time.sleep(3)
        SCREENSHOTS.mkdir(exist_ok=True)
        browser.screenshot(SCREENSHOTS / "Scaffold_diversity_two_runs.png")
        dom, picker, rows = browser.dom(), browser.evaluate(PICK_JS), browser.evaluate(MEMBERS_JS)
    assert "all runs (distinct molecules)" in dom, "the second run was not added"
    said = int(re.search(r"— (\d+) hits?$", picker).group(1))
    assert rows is not None and int(rows) - 1 == said, f"the picker says {said} hits, the members table has {rows}"
