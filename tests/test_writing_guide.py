"""docs/writing-scenarios.md cannot drift from the files and the code it shows.

Every fenced block of the guide that shows a file or an output is preceded by a marker, an
HTML comment that Markdown does not display:

- ``<!-- file: PATH -->``: the block is the whole content of PATH;
- ``<!-- excerpt: PATH -->``: the block is part of PATH: its pieces, separated by lines that
  are ``# ...``, are each a run of consecutive lines of PATH, in order;
- ``<!-- output: COMMAND -->`` (optionally ``; exit N``): the block is what COMMAND prints
  (standard output, then standard error), run from the repository root;
- ``<!-- output excerpt: COMMAND -->``: the same, with ``...`` lines where output is left out.

A ``yaml``, ``text`` or ``mermaid`` block without a marker fails, so an example cannot be
typed by hand. The example files under scenarios/guide/ load and check as the guide says,
and the probabilities the guide prints equal closed forms computed here from the library's
exact (rational) results. ``python tests/test_writing_guide.py --write`` rewrites the blocks
marked ``file`` and ``output`` from the files and the commands (excerpts are only checked).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import re
import shlex
import sys
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "writing-scenarios.md"
EXAMPLES = ROOT / "scenarios" / "guide"

MARKER = re.compile(
    r"<!-- (?P<kind>file|excerpt|output|output excerpt): (?P<arg>.+?)"
    r"(?:; exit (?P<status>\d+))? -->\n+```(?P<lang>[a-z]*)\n(?P<body>.*?)^```$",
    re.S | re.M,
)
FENCE = re.compile(r"^```(?P<lang>[a-z]*)\n(?P<body>.*?)^```$", re.S | re.M)
CHECKED_LANGUAGES = {"yaml", "text", "mermaid"}
COMMANDS = {"check", "simulate", "trace", "diagram", "compare", "strategy"}

# Example files whose check is not clean, with the finding kinds the guide shows for them
# (each is also shown by an `output` marker, so the guide shows these findings verbatim).
UNCLEAN = {
    "01_first_phase.yaml": {"unused_party"},
    "07_invariants.yaml": {
        "invariant_violated",
        "unreachable_state",
        "unreachable_outcome",
        "never_enabled",
    },
    "findings/trigger_index.yaml": {"never_enabled"},
}


@dataclass(frozen=True)
class Block:
    kind: str
    arg: str
    status: int | None
    lang: str
    body: str
    line: int


def blocks(text: str) -> list[Block]:
    return [
        Block(
            m["kind"],
            m["arg"],
            None if m["status"] is None else int(m["status"]),
            m["lang"],
            m["body"],
            text.count("\n", 0, m.start()) + 1,
        )
        for m in MARKER.finditer(text)
    ]


@cache
def run(command: str) -> tuple[str, int]:
    """What ``python -m model.X ARGS`` prints (stdout, then stderr) and its exit status.

    Run in this process, from the repository root, so that paths print as the guide shows.
    """
    words = shlex.split(command)
    assert words[:2] == ["python", "-m"] and words[2].startswith("model."), command
    name = words[2].removeprefix("model.")
    assert name in COMMANDS, command
    main = importlib.import_module(f"model.{name}").main
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(ROOT),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            status = main(words[3:])
        except SystemExit as exc:  # argparse
            status = exc.code if isinstance(exc.code, int) else 2
    return out.getvalue() + err.getvalue(), status


def pieces(body: str, separator: str) -> list[list[str]]:
    """The block's lines split at separator lines (an excerpt's omissions)."""
    parts: list[list[str]] = [[]]
    for line in body.splitlines():
        if line.strip() == separator:
            parts.append([])
        else:
            parts[-1].append(line)
    return [p for p in parts if p]


def in_order(parts: list[list[str]], lines: list[str]) -> str | None:
    """None if each part is a run of consecutive lines of ``lines``, in order; else why not."""
    at = 0
    for part in parts:
        for start in range(at, len(lines) - len(part) + 1):
            if lines[start : start + len(part)] == part:
                at = start + len(part)
                break
        else:
            return "not found (in this order) as consecutive lines:\n" + "\n".join(part)
    return None


def expected(block: Block) -> str:
    """What a block marked `file` or `output` must contain."""
    if block.kind == "file":
        return (ROOT / block.arg).read_text()
    return run(block.arg)[0].rstrip() + "\n"


GUIDE_TEXT = GUIDE.read_text() if GUIDE.exists() else ""
BLOCKS = blocks(GUIDE_TEXT)


def _id(block: Block) -> str:
    return f"line{block.line}-{block.kind}"


def test_every_file_or_output_block_has_a_marker() -> None:
    marked = {m.start("body") for m in MARKER.finditer(GUIDE_TEXT)}
    unmarked = [
        GUIDE_TEXT.count("\n", 0, m.start()) + 1
        for m in FENCE.finditer(GUIDE_TEXT)
        if m["lang"] in CHECKED_LANGUAGES and m.start("body") not in marked
    ]
    assert BLOCKS and unmarked == [], f"blocks without a marker at lines {unmarked}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.kind in ("file", "output")], ids=_id)
def test_block_is_the_file_or_the_output(block: Block) -> None:
    assert block.body == expected(block), (
        f"docs/writing-scenarios.md:{block.line}: run python tests/test_writing_guide.py --write"
    )
    if block.kind == "output" and block.status is not None:
        assert run(block.arg)[1] == block.status


@pytest.mark.parametrize("block", [b for b in BLOCKS if "excerpt" in b.kind], ids=_id)
def test_excerpt_is_part_of_the_file_or_the_output(block: Block) -> None:
    if block.kind == "excerpt":
        source, separator = (ROOT / block.arg).read_text(), "# ..."
    else:
        source, separator = run(block.arg)[0], "..."
    problem = in_order(pieces(block.body, separator), source.splitlines())
    assert problem is None, f"docs/writing-scenarios.md:{block.line}: {problem}"
    if block.kind == "output excerpt" and block.status is not None:
        assert run(block.arg)[1] == block.status


def test_commands_in_the_guide_name_existing_files() -> None:
    for m in FENCE.finditer(GUIDE_TEXT):
        if m["lang"] != "sh":
            continue
        for line in m["body"].splitlines():
            for word in shlex.split(line, comments=True):
                if word.startswith("scenarios/"):
                    assert (ROOT / word).is_file(), f"{line}: no file {word}"


def test_the_guide_is_linked_from_the_readme_and_the_docs_index() -> None:
    # docs/index.md is generated; tests/test_docs.py fails while it differs from the generator.
    assert "](docs/writing-scenarios.md)" in (ROOT / "README.md").read_text()
    assert "](writing-scenarios.md)" in (ROOT / "docs" / "index.md").read_text()


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_name_existing_pages_and_headings() -> None:
    links = re.findall(r"\]\(([a-z-]+\.md)(?:#([a-z0-9-]+))?\)", GUIDE_TEXT)
    assert links
    for page, anchor in links:
        text = (GUIDE.parent / page).read_text()
        headings = {_slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}
        assert not anchor or anchor in headings, f"{page}#{anchor}"


# --- the example files -----------------------------------------------------------------------

NOT_SCENARIOS = {"coverage.yaml"}  # the sentences of the texts left out on purpose
NOT_SCENARIO_FOLDERS = {"errors", "mechanisms"}  # refused on purpose; included by scenarios
SCENARIO_FILES = sorted(
    str(p.relative_to(EXAMPLES))
    for p in EXAMPLES.rglob("*.yaml")
    if p.parent.name not in NOT_SCENARIO_FOLDERS and p.name not in NOT_SCENARIOS
)
ERROR_FILES = sorted(str(p.relative_to(EXAMPLES)) for p in (EXAMPLES / "errors").glob("*.yaml"))


def _shown(path: str) -> bool:
    return any(f"scenarios/guide/{path}" in b.arg.split() for b in BLOCKS)


@pytest.mark.parametrize("path", SCENARIO_FILES)
def test_example_checks_as_the_guide_says(path: str) -> None:
    from model.analysis.consistency import check
    from model.scenario.loader import load

    scenario = load(EXAMPLES / path)
    kinds: set[str] = set()
    for choice in scenario.variant_choices():
        kinds |= {f.kind for f in check(scenario, choice).findings if f.counts}
    assert kinds == UNCLEAN.get(path, set())
    assert _shown(path), f"scenarios/guide/{path} is not shown in the guide"


@pytest.mark.parametrize("path", ERROR_FILES)
def test_error_example_is_refused_as_the_guide_shows(path: str) -> None:
    command = f"python -m model.check scenarios/guide/{path}"
    output, status = run(command)
    assert status == 2 and "nothing was run" in output
    assert any(b.arg == command and b.status == 2 for b in BLOCKS), f"{command} is not shown"


GUARD = "    guard: talks_begun\n    weight: agree_weight\n"
MULTI_LINE = {  # the rows of the guide's table "what the parser sees"
    "folded": "    guard: >-\n      talks_begun\n      and not committee_late\n",
    "plain": "    guard: talks_begun\n      and not committee_late\n",
}


@pytest.mark.parametrize("form", sorted(MULTI_LINE))
def test_folded_and_plain_multi_line_expressions_join_their_lines(form: str) -> None:
    from model.scenario.loader import load_text

    text = (EXAMPLES / "08_agreement.yaml").read_text()
    assert text.count(GUARD) == 1
    changed = text.replace(GUARD, MULTI_LINE[form] + "    weight: agree_weight\n")
    spec = load_text(changed, base_dir=EXAMPLES).spec
    (agreed,) = [t for t in spec.transitions if t.trigger == "second_phase_agreed"]
    assert agreed.guard == "talks_begun and not committee_late"


ENUM_SCENARIO = """
id: enum_quotes
title: An enumeration value in an effect
summary: The quotes YAML removes, and the quotes the expression needs.
horizon: 5
sources: [{id: text, file: agreement.txt}]
parties: [{id: a, name: A, role: party, assumption: x}]
stages: [{id: s, name: S, assumption: x}]
variables:
  - {id: status, type: enum, values: [waiting, monitored], initial: waiting, assumption: x}
states: [{id: one, stage: s, assumption: x}, {id: done, outcome: done, assumption: x}]
initial: one
transitions:
  - {trigger: go, source: one, dest: done, actor: a, effects: {status: EFFECT}, assumption: x}
"""


def test_an_enumeration_value_needs_both_quotes() -> None:
    from model.base.errors import ScenarioError
    from model.scenario.loader import load_text

    load_text(ENUM_SCENARIO.replace("EFFECT", "\"'monitored'\""), base_dir=EXAMPLES)
    with pytest.raises(ScenarioError, match="unknown name 'monitored'"):
        load_text(ENUM_SCENARIO.replace("EFFECT", "'monitored'"), base_dir=EXAMPLES)


# --- the numbers the guide prints ------------------------------------------------------------


def _probability(path: str, ending: str, **params: int) -> Fraction:
    from model.analysis.exact import analyse_scenario
    from model.scenario.loader import load

    result = analyse_scenario(load(EXAMPLES / path), params, method="fraction")
    (value,) = [e.probability for e in result.endings if e.name == ending]
    return Fraction(value)


def test_deadline_by_17_is_missed_when_talks_have_not_begun_in_17_days() -> None:
    assert _probability("03_deadlines.yaml", "talks_overdue") == Fraction(9, 10) ** 17


def test_deadline_by_16_allows_one_day_less() -> None:
    from model.analysis.exact import analyse_scenario
    from model.scenario.loader import load_text

    text = (EXAMPLES / "03_deadlines.yaml").read_text()
    assert text.count("deadline: {by: 17}") == 1
    scenario = load_text(
        text.replace("deadline: {by: 17}", "deadline: {by: 16}"), base_dir=EXAMPLES
    )
    result = analyse_scenario(scenario, method="fraction")
    (late,) = [e.probability for e in result.endings if e.name == "talks_overdue"]
    assert Fraction(late) == Fraction(9, 10) ** 16


def test_an_invariant_counting_days_in_the_stage_breaks_at_the_outcome() -> None:
    from model.analysis.consistency import check
    from model.scenario.loader import load_text

    text = (EXAMPLES / "07_invariants.yaml").read_text()
    assert text.count("(day // 7)") == 1
    scenario = load_text(text.replace("(day // 7)", "(day_in_stage // 7)"), base_dir=EXAMPLES)
    broken = [f for f in check(scenario).findings if f.kind == "invariant_violated"]
    assert [f.target for f in broken] == ["releases_on_the_text_schedule"]
    assert broken[0].message.endswith("after first_phase_ends")  # the text's account, at the end


@pytest.mark.parametrize("start_due", [2, 3])
def test_each_reading_of_day_2_gives_its_own_odds(start_due: int) -> None:
    late = _probability("09_citation.yaml", "start_overdue", start_due=start_due)
    assert late == Fraction(1, 2) ** start_due


def test_two_daily_risks_over_thirty_days() -> None:
    assert _probability("04_risks.yaml", "first_phase_completed") == Fraction(199, 200) ** 60


def test_weights_three_to_one() -> None:
    assert _probability("05_decisions.yaml", "second_phase_completed") == Fraction(3, 4)


@pytest.mark.parametrize("batch_days", [1, 2, 3, 5, 6, 10, 15, 30])
def test_splitting_the_releases_does_not_move_the_odds_of_a_daily_risk(batch_days: int) -> None:
    completed = _probability("odds/risk_per_day.yaml", "completed", batch_days=batch_days)
    assert completed == Fraction(99, 100) ** 30


@pytest.mark.parametrize("batch_days", [1, 3, 10])
def test_splitting_the_releases_moves_the_odds_of_a_weight(batch_days: int) -> None:
    completed = _probability("odds/weight_per_step.yaml", "completed", batch_days=batch_days)
    assert completed == Fraction(9, 10) ** (30 // batch_days)


def test_a_weekly_risk_falls_on_the_days_that_complete_a_week() -> None:
    assert _probability("odds/risk_per_week.yaml", "completed") == Fraction(93, 100) ** 4


@pytest.mark.parametrize(
    ("path", "horizon"), [("open_ended.yaml", 90), ("open_ended_180.yaml", 180)]
)
def test_the_horizon_decides_how_many_days_of_risk_a_run_meets(path: str, horizon: int) -> None:
    broke_down = _probability(f"odds/{path}", "broke_down")
    assert broke_down == 1 - Fraction(99, 100) ** horizon


def _answer(path: str, question: str, **params: int) -> Fraction:
    from model.analysis.queries import answer_queries
    from model.scenario.loader import load
    from model.scenario.queries import parse_query, scenario_names

    scenario = load(EXAMPLES / path)
    query = parse_query(question, scenario_names(scenario))
    result = answer_queries(scenario, params, [query], runs=1, seed=1, max_states=10_000)
    assert result.exact is not None
    value = result.exact[0].value
    assert isinstance(value, Fraction)
    return value


def test_only_the_breakdowns_are_left_in_the_second_phase() -> None:
    question = "chance of ceasefire_broke_down within 42 days of second_phase"
    assert _answer("10_questions.yaml", question) == 1 - Fraction(199, 200) ** 84


def test_before_day_30_the_risks_declared_first_take_the_days_they_occur() -> None:
    question = "chance of ceasefire_broke_down before day 30"
    alone = 1 - Fraction(199, 200) ** 58
    assert _answer("10_questions.yaml", question) < alone
    assert _answer("10_questions.yaml", question, deploy_chance=0, talks_chance=0) == alone


def test_fairness_changes_no_verdict_of_example_10() -> None:
    from model.analysis.consistency import check
    from model.scenario.loader import load, load_text

    text = (EXAMPLES / "10_questions.yaml").read_text()
    assert text.count("    fair: true\n") == 1
    unfair = load_text(text.replace("    fair: true\n", ""), base_dir=EXAMPLES)
    verdicts = [
        [(r.id, r.status) for r in check(s).properties]
        for s in (load(EXAMPLES / "10_questions.yaml"), unfair)
    ]
    assert verdicts[0] == verdicts[1]
    assert dict(verdicts[0])["committee_always_deploys"] == "fails"


def test_what_both_sides_can_force_is_the_weights_without_their_refusal() -> None:
    from model.analysis.explore import explore
    from model.analysis.strategy import guarantee_table
    from model.scenario.loader import load

    graph = explore(load(EXAMPLES / "10_questions.yaml"))
    by_weights = _probability("10_questions.yaml", "second_phase_completed")
    table = guarantee_table(
        graph, [["side_a"], ["side_b"], ["both_sides"], ["committee"]], method="fraction"
    )
    bounds = {
        (party, o): (g.outcome(o).least.probability, g.outcome(o).greatest.probability)
        for party, g in zip(["side_a", "side_b", "both_sides", "committee"], table)
        for o in ("second_phase_completed", "ceasefire_ended", "ceasefire_broke_down")
    }
    assert bounds["both_sides", "second_phase_completed"] == (0, Fraction(4, 3) * by_weights)
    for party in ("side_a", "side_b", "committee"):
        for o in ("second_phase_completed", "ceasefire_ended", "ceasefire_broke_down"):
            assert bounds[party, o] == (_probability("10_questions.yaml", o),) * 2


POWER = r"(?P<one>1 − )?\((?P<a>\d+)/(?P<b>\d+)\)\^(?P<n>\d+)"
PERCENT = r"(?P<pct>\d+(?:\.\d+)?)%"
FORMULAS = [re.compile(f"{POWER} = {PERCENT}"), re.compile(f"{PERCENT} (?:is|=) {POWER}")]


def test_every_power_the_guide_writes_out_is_rounded_right() -> None:
    """`(9/10)^16 = 18.5%`, `74.0% is (199/200)^60`, `1 − (99/100)^90 = 59.5%` in the prose."""
    prose = FENCE.sub("", GUIDE_TEXT)
    found = [m for pattern in FORMULAS for m in pattern.finditer(prose)]
    assert len(found) >= 10
    for m in found:
        value = Fraction(int(m["a"]), int(m["b"])) ** int(m["n"])
        value = 1 - value if m["one"] else value
        decimals = len(m["pct"].partition(".")[2])
        assert f"{float(value * 100):.{decimals}f}" == m["pct"], m.group(0)


def write() -> int:
    """Rewrite the blocks marked `file` and `output`; return how many changed."""
    text = GUIDE.read_text()
    changed = 0

    def fill(m: re.Match[str]) -> str:
        nonlocal changed
        block = blocks(m.group(0))[0]
        if block.kind not in ("file", "output"):
            return m.group(0)
        body = expected(block)
        changed += body != block.body
        return m.group(0)[: m.start("body") - m.start()] + body + "```"

    GUIDE.write_text(MARKER.sub(fill, text))
    return changed


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_writing_guide.py --write")
    sys.path.insert(0, str(ROOT))
    print(f"{write()} block(s) rewritten in {GUIDE.relative_to(ROOT)}")
