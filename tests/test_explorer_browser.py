"""The explorer pages in a real browser (issue 18): headless Chromium driven by Playwright.

Debian's ``chromium`` (installed by .ci/run) is launched by path; Playwright's own browser
download is never used. A missing browser is an error, not a skip: these tests must run.
What the page shows after each click is compared with the engine (`Run.fire`) and with the
exact analysis's forward solver started at that snapshot, computed here from the library,
not read from the page's data.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from chromium import CHROMIUM, FLAGS
from conftest import ROOT

from model.analysis.chain import chain
from model.analysis.endings import fraction_endings
from model.analysis.exact import fraction_flow
from model.analysis.explore import explore
from model.base.textfmt import format_percent
from model.render.explorer import explorer_page, shared_files
from model.reports.explorer import EXACT_CHARS, explorer_data
from model.scenario.loader import load
from model.semantics.engine import Run
from model.semantics.why import NotEnabled

PAGES = ROOT / "docs" / "scenarios"
TRUCE = "cairo_three_stage_truce"
POSITIONS = "positions_and_three_stage_truce"
LONG = "(long fraction; "
SEED = 15  # python -m model.simulate's default seed: all three stages

READ_PAGE = """() => ({
  state: document.getElementById('state').dataset.id,
  day: Number(document.getElementById('day').dataset.day),
  status: document.getElementById('status').textContent,
  variables: Object.fromEntries([...document.querySelectorAll('#variables tbody tr')]
    .map(r => [r.dataset.variable, r.querySelector('td').dataset.value])),
  odds: Object.fromEntries([...document.querySelectorAll('#odds tbody tr')]
    .map(r => [r.dataset.ending, [r.querySelector('td.p').textContent,
                                  r.querySelector('td.x').textContent]])),
  history: document.querySelectorAll('#history li').length,
})"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.fail(
            "Chromium is not installed: apt-get install -y chromium chromium-driver "
            "(.ci/run does it); the browser tests are not skipped"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


class Page:
    """A page with every console error and uncaught exception recorded."""

    def __init__(self, browser: Any, url: str) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready=true]")

    def read(self) -> dict[str, Any]:
        """What the page shows; a long fraction's float read back as a number."""
        shown = dict(self.page.evaluate(READ_PAGE))
        for key, (text, exact) in shown["odds"].items():
            if exact.startswith(LONG) and exact.endswith(")"):
                exact = float(exact[len(LONG) : -1])
            shown["odds"][key] = [text, exact]
        return shown

    def close(self) -> None:
        self.page.close()
        assert self.errors == []


def show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def expected_odds(c: Any, labels: list[str], node: int) -> dict[str, list[Any]]:
    """What the odds table should show from ``node``: the forward exact solver's figures."""
    ends, errors = fraction_flow(c, {node: Fraction(1)})
    out = {}
    for e in fraction_endings(c, labels, ends, errors):
        p = Fraction(e.probability)
        if e.kind == "no_outcome" and p == 0:
            continue
        exact = str(p)
        shown: Any = exact if len(exact) <= EXACT_CHARS else float(p)
        out[f"{e.kind}:{e.name}"] = [format_percent(float(p)), shown]
    return out


def test_clicking_through_seed_15_shows_the_engines_state_and_the_exact_odds(
    browser: Any,
) -> None:
    scenario = load(ROOT / "scenarios" / f"{TRUCE}.yaml")
    played = Run(scenario)
    assert played.play(SEED) == "outcome"
    graph = explore(scenario)
    c = chain(graph)
    labels = [name for kind, name in c.keys if kind == "outcome"]
    page = Page(browser, (PAGES / f"{TRUCE}-explorer.html").as_uri())
    run = Run(scenario)
    shown = page.read()
    assert shown["state"] == run.state and shown["day"] == 0
    assert shown["odds"] == expected_odds(c, labels, 0)
    seen = [shown]
    for number, step in enumerate(played.history, 1):
        page.page.click(f'button.fire[data-event="{step.event.name}"]')
        run.fire(step.event.index)
        shown = page.read()
        assert shown["state"] == run.state, number
        assert shown["day"] == run.day, number
        assert shown["variables"] == {k: show(v) for k, v in run.values.items()}, number
        assert shown["odds"] == expected_odds(c, labels, graph.index[run.snapshot]), number
        assert shown["history"] == number
        seen.append(shown)
    assert run.outcome == "three_stages_completed"
    assert "ended" in shown["status"]
    assert page.page.locator("button.fire").count() == 0
    for back in range(1, 4):  # undo goes back step by step
        page.page.click("#undo")
        assert page.read() == seen[-1 - back]
    page.page.click("#reset")
    assert page.read() == seen[0]
    page.close()


def test_the_blocked_event_shows_why(browser: Any) -> None:
    scenario = load(ROOT / "scenarios" / f"{POSITIONS}.yaml")
    try:
        Run(scenario).fire("truce_begins")
    except NotEnabled as exc:
        refused = str(exc)
    else:  # pragma: no cover - the scenario says it is blocked
        raise AssertionError("truce_begins was enabled")
    page = Page(browser, (PAGES / f"{POSITIONS}-explorer.html").as_uri())
    item = page.page.locator('#blocked > li[data-event="truce_begins"]')
    assert item.count() == 1
    lines = item.locator("ul.facts > li").all_inner_texts()
    # What Run.fire says, word for word (its `code` spans shown as code, without backticks)
    assert f"({lines[0]})" in refused.replace("`", "")
    assert "false now" in lines[0] and "war_ended" in lines[0]
    never = [line for line in lines if line.startswith("In no run:")]
    assert never and "israel_rules_out_ending_war" in never[0]
    page.close()


def test_keyboard_random_play_zoom_and_the_monte_carlo_fallback(
    browser: Any, tmp_path: Path
) -> None:
    scenario = load(ROOT / "scenarios" / "november_truce.yaml")
    for name, data in shared_files().items():
        (tmp_path / name).write_bytes(data)
    full = explorer_data(scenario, "scenarios/november_truce.yaml")
    (tmp_path / "full.html").write_text(explorer_page(scenario, full), encoding="utf-8")
    page = Page(browser, (tmp_path / "full.html").as_uri())
    p = page.page
    p.focus("button.fire")
    p.keyboard.press("Enter")
    assert page.read()["history"] == 1
    assert p.evaluate("document.activeElement.matches('button.fire, #undo')")
    p.click("#reset")
    p.click("#play")
    finished = page.read()
    assert finished["history"] > 0 and "ended" in finished["status"]
    p.set_viewport_size({"width": 640, "height": 900})  # 1280 px at 200% zoom
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.close()
    sampled = explorer_data(
        scenario, "scenarios/november_truce.yaml", max_odds_snapshots=5, sample_runs=500
    )
    (tmp_path / "sampled.html").write_text(explorer_page(scenario, sampled), encoding="utf-8")
    page = Page(browser, (tmp_path / "sampled.html").as_uri())
    note = page.page.locator("#note")
    assert note.is_visible() and "Monte Carlo" in note.inner_text()
    assert "Monte Carlo" in page.page.locator("#odds-note").inner_text()
    page.close()
