"""Monte Carlo throughput: the fast path against the engine and a hand-written machine.

    python bench/montecarlo.py                 # defaults: the three-stage truce
    python bench/montecarlo.py --quick         # fewer runs, for a smoke test
    python bench/montecarlo.py --json          # figures as data
    python bench/montecarlo.py --parallel-only --parallel-runs 100000   # --jobs 1 against 2

Measures runs per second, in one process and one run of this script, of

(a) the fast path, `model.semantics.fastpath.compile_table(scenario).run(seed)`, with its memo graph
    (the default) and without it (``memo=False``: every step evaluated afresh);
(b) a loop driving the `transitions` engine: ``Run(scenario).play(seed)`` per run;
(c) a hand-written, dict-based state machine for the same scenario (the three-stage truce
    with its included exchange and monitored return): plain Python with the scenario's
    guards, weights, durations, effects, bounds and invariants written out by hand.

All three draw the same random numbers (one ``randrange(total weight)`` per step, as
`model.semantics.step.weighted_choice`), and the script first checks that they fire the same
transitions for the same seeds, so they do the same work. Each figure is the median of
``--repeats`` timings of ``--runs`` runs (seeds 0, 1, ...), with the three methods timed in
turn within each repeat. Targets (issue 7): fast path >= 20x the engine loop and >= 0.5x
the hand-written loop.

If `model.analysis.exact` is present, the script also times the exact analysis of
`tests/fixtures/large/long_exchange.yaml` (about 100,000 snapshots; target 10 s).

Last, the parallel speed-up (`parallel_speedup`): ``python -m model.simulate --runs N`` with
``--jobs 1`` against ``--jobs 2`` (``--parallel-runs``, default 1,000,000), elapsed time of
the whole command, the two alternating, median of ``--parallel-repeats``, their ratio (target,
issue 12: at least 1.7x), and in the same run what two processes of plain Python get on the
machine against one (its ceiling while other work shares it).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.scenario.loader import load  # noqa: E402
from model.semantics.engine import Run  # noqa: E402
from model.semantics.fastpath import compile_table  # noqa: E402

# The three-stage truce as it was before issue 13, frozen (see the file's header)
DEFAULT = ROOT / "bench" / "fixtures" / "cairo_three_stage_truce.yaml"
LARGE = ROOT / "tests" / "fixtures" / "large" / "long_exchange.yaml"
MAX_STEPS = 1000


# --- (c) the hand-written machine ---------------------------------------------------------

DEFAULTS: dict[str, int] = {
    "stage1_releases": 33,
    "stage1_days": 42,
    "stage2_days": 42,
    "stage3_days": 42,
    "accept_weight": 3,
    "continue_weight": 3,
    "walkout_weight": 1,
    "breakdown_weight": 1,
    "progress_weight": 40,
    "held_at_start": 133,
    "batch_size": 11,
    "prisoners_per_person": 3,
    "batch_interval_days": 7,
    "exchange_weight": 40,
    "force_deployment_days": 14,
    "return_weight": 40,
}
HORIZON = 365
STAGE_OF = {
    "negotiating": "talks",
    "stage_1_in_force": "stage_1",
    "stage_2_in_force": "stage_2",
    "stage_3_in_force": "stage_3",
}
OUTCOMES = {"no_agreement", "truce_collapsed", "three_stages_completed"}
BOUNDS = {"held_in_gaza": (0, 133), "released_from_prisons": (0, 13300), "exchange_floor": (0, 133)}


class Broken(Exception):
    """A step broke a bound or an invariant."""


def hand_written_run(
    seed: int,
    max_steps: int = MAX_STEPS,
    p: dict[str, int] = DEFAULTS,
    trace: list[int] | None = None,
) -> tuple[str, str, int, int]:
    """One run of the three-stage truce: (status, state, day, steps).

    Transition numbers are the scenario's (its own transitions, then the included
    exchange's and monitored return's), candidates in the same order as the engine's.
    """
    rng = random.Random(seed)
    v: dict[str, Any] = {
        "israel_accepts": False,
        "hamas_accepts": False,
        "held_in_gaza": p["held_at_start"],
        "released_from_prisons": 0,
        "exchange_floor": 0,
        "force_deployed": False,
        "return_north": "not_begun",
        "israeli_deployment_north": "present",
    }
    state = "negotiating"
    day = 0
    stage_start = 0
    steps = 0
    while True:
        if state in OUTCOMES:
            return "outcome", state, day, steps
        # (transition, weight, days) of each candidate whose guard holds, in declared order
        held, released, floor = v["held_in_gaza"], v["released_from_prisons"], v["exchange_floor"]
        matched = released == p["prisoners_per_person"] * (p["held_at_start"] - held)
        candidates: list[tuple[int, int, int]] = []
        if state == "negotiating":
            if not v["israel_accepts"]:
                candidates.append((0, p["accept_weight"], 0))
            if not v["hamas_accepts"]:
                candidates.append((1, p["accept_weight"], 0))
            both = v["israel_accepts"] and v["hamas_accepts"]
            if not both:
                candidates.append((2, p["continue_weight"], 2))
            if both:
                candidates.append((3, p["progress_weight"], 0))
            candidates.append((4, p["walkout_weight"], 0))
            candidates.append((5, p["walkout_weight"], 0))
        elif state == "stage_1_in_force":
            if held == floor and matched and v["return_north"] == "monitored":
                left = max(0, p["stage1_days"] - (day - stage_start))
                candidates.append((6, p["progress_weight"], left))
            candidates.append((9, p["breakdown_weight"], 0))
            candidates.append((10, p["breakdown_weight"], 0))
            if held > floor and matched:
                candidates.append((11, p["exchange_weight"], p["batch_interval_days"]))
            if released < p["prisoners_per_person"] * (p["held_at_start"] - held):
                candidates.append((13, p["exchange_weight"], 0))
            if not v["force_deployed"]:
                candidates.append((15, p["return_weight"], p["force_deployment_days"]))
            if v["force_deployed"] and v["return_north"] == "not_begun":
                candidates.append((16, p["return_weight"], 0))
        elif state == "stage_2_in_force":
            if (
                held == 0
                and released == p["prisoners_per_person"] * p["held_at_start"]
                and v["israeli_deployment_north"] == "pulled_back"
            ):
                left = max(0, p["stage2_days"] - (day - stage_start))
                candidates.append((7, p["progress_weight"], left))
            candidates.append((9, p["breakdown_weight"], 0))
            candidates.append((10, p["breakdown_weight"], 0))
            if held > floor and matched:
                candidates.append((12, p["exchange_weight"], p["batch_interval_days"]))
            if released < p["prisoners_per_person"] * (p["held_at_start"] - held):
                candidates.append((14, p["exchange_weight"], 0))
            if v["return_north"] == "monitored" and v["israeli_deployment_north"] == "present":
                candidates.append((17, p["return_weight"], 0))
        elif state == "stage_3_in_force":
            candidates.append((8, p["progress_weight"], p["stage3_days"]))
            candidates.append((9, p["breakdown_weight"], 0))
            candidates.append((10, p["breakdown_weight"], 0))
        enabled = [c for c in candidates if c[1] > 0 and day + c[2] <= HORIZON]
        if not enabled:
            blocked = any(c[1] > 0 for c in candidates)
            return ("horizon" if blocked else "stuck"), state, day, steps
        if steps >= max_steps:
            return "max_steps", state, day, steps
        r = rng.randrange(sum(c[1] for c in enabled))
        for chosen in enabled:
            if r < chosen[1]:
                break
            r -= chosen[1]
        index, _, days = chosen
        # effects, all computed from the values before the step
        new: dict[str, Any] = {}
        dest = state
        if index == 0:
            new["israel_accepts"] = True
        elif index == 1:
            new["hamas_accepts"] = True
        elif index == 3:
            new["exchange_floor"] = max(0, p["held_at_start"] - p["stage1_releases"])
            dest = "stage_1_in_force"
        elif index in (4, 5):
            dest = "no_agreement"
        elif index == 6:
            new["exchange_floor"] = 0
            dest = "stage_2_in_force"
        elif index == 7:
            dest = "stage_3_in_force"
        elif index == 8:
            dest = "three_stages_completed"
        elif index in (9, 10):
            dest = "truce_collapsed"
        elif index in (11, 12):
            new["held_in_gaza"] = held - min(p["batch_size"], held - floor)
        elif index in (13, 14):
            new["released_from_prisons"] = p["prisoners_per_person"] * (p["held_at_start"] - held)
        elif index == 15:
            new["force_deployed"] = True
        elif index == 16:
            new["return_north"] = "monitored"
        elif index == 17:
            new["israeli_deployment_north"] = "pulled_back"
        for name, value in new.items():
            if name in BOUNDS and not BOUNDS[name][0] <= value <= BOUNDS[name][1]:
                return "error", state, day, steps
        v.update(new)
        day += days
        if STAGE_OF.get(dest) != STAGE_OF.get(state):
            stage_start = day
        state = dest
        # invariants
        if not (
            v["released_from_prisons"]
            <= p["prisoners_per_person"] * (p["held_at_start"] - v["held_in_gaza"])
            and (v["return_north"] == "not_begun" or v["force_deployed"])
            and (v["israeli_deployment_north"] == "present" or v["return_north"] == "monitored")
        ):
            return "error", state, day, steps
        steps += 1
        if trace is not None:
            trace.append(index)


# --- timing -------------------------------------------------------------------------------


def check_same_runs(seeds: range) -> None:
    """The three methods fire the same transitions for the same seeds (else: exit 1)."""
    scenario = load(DEFAULT)
    table = compile_table(scenario)
    for seed in seeds:
        run = Run(scenario)
        status = run.play(seed, MAX_STEPS)
        engine = [s.event.index for s in run.history]
        fast = table.run(seed, MAX_STEPS, trace=True)
        hand: list[int] = []
        h_status, h_state, h_day, _ = hand_written_run(seed, MAX_STEPS, trace=hand)
        if not (
            engine == list(fast.trace or ()) == hand
            and status == fast.status == h_status
            and run.state == fast.state == h_state
            and run.day == fast.day == h_day
        ):
            sys.exit(f"seed {seed}: the methods disagree; the benchmark would be meaningless")


CLOCK = time.process_time
"""CPU time of this process: other processes on a shared machine do not count (``--wall``
switches to elapsed time)."""


def timed(run_once: Callable[[int], object], runs: int) -> float:
    """Runs per second of ``run_once`` over seeds 0..runs-1."""
    started = CLOCK()
    for seed in range(runs):
        run_once(seed)
    return runs / (CLOCK() - started)


def measure(runs: int, engine_runs: int, repeats: int) -> dict[str, Any]:
    scenario = load(DEFAULT)
    started = time.perf_counter()
    table = compile_table(scenario)
    compile_ms = (time.perf_counter() - started) * 1000
    plain = compile_table(scenario, memo=False)
    cold = timed(lambda s: table.run(s, MAX_STEPS), runs)  # first pass builds the memo graph
    methods: dict[str, Callable[[int], object]] = {
        "fast": lambda s: table.run(s, MAX_STEPS),
        "fast_no_memo": lambda s: plain.run(s, MAX_STEPS),
        "hand_written": lambda s: hand_written_run(s, MAX_STEPS),
        "engine": lambda s: Run(scenario).play(s, MAX_STEPS),
    }
    # For reference, when present: the tests' independent interpreter of the step rules
    # (tests/reference_semantics.py, the semantics before the compiled table).
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from reference_semantics import semantics_runner

        methods["semantics_runner"] = semantics_runner(scenario, scenario.parameters(), MAX_STEPS)
    except ImportError:
        pass
    finally:
        sys.path.remove(str(ROOT / "tests"))
    samples: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(repeats):
        for name, run_once in methods.items():
            slow = name in ("engine", "semantics_runner")
            samples[name].append(timed(run_once, engine_runs if slow else runs))
    median = {name: statistics.median(values) for name, values in samples.items()}
    steps = statistics.mean(table.run(s, MAX_STEPS).steps for s in range(min(runs, 5000)))
    return {
        "scenario": str(DEFAULT.relative_to(ROOT)),
        "runs_per_repeat": runs,
        "engine_runs_per_repeat": engine_runs,
        "repeats": repeats,
        "mean_steps_per_run": round(steps, 2),
        "compile_ms": round(compile_ms, 2),
        "memo_nodes": table.nodes,
        "runs_per_second": {name: round(value) for name, value in median.items()},
        "fast_cold_first_pass": round(cold),
        "samples": {name: [round(x) for x in values] for name, values in samples.items()},
        "ratios": {
            "fast/engine": round(median["fast"] / median["engine"], 1),
            "fast/hand_written": round(median["fast"] / median["hand_written"], 2),
            "fast_no_memo/engine": round(median["fast_no_memo"] / median["engine"], 1),
            "fast_no_memo/hand_written": round(median["fast_no_memo"] / median["hand_written"], 2),
            **(
                {"fast/semantics_runner": round(median["fast"] / median["semantics_runner"], 1)}
                if "semantics_runner" in median
                else {}
            ),
        },
    }


def exact_analysis(repeats: int) -> dict[str, Any] | None:
    """Time `model.analysis.exact` on the ~100,000-snapshot fixture, if both exist."""
    try:
        markov = importlib.import_module("model.analysis.exact")
    except ImportError:
        return None
    analyse_scenario = getattr(markov, "analyse_scenario", None)
    if analyse_scenario is None or not LARGE.is_file():
        return None
    scenario = load(LARGE)
    out: dict[str, Any] = {"scenario": str(LARGE.relative_to(ROOT))}
    for method in ("sparse", "fraction"):
        times, explore_times = [], []
        result = None
        for _ in range(repeats):
            started = time.perf_counter()
            try:
                result = analyse_scenario(scenario, method=method, max_states=None)
            except Exception as exc:  # report, do not hide, an analysis that fails
                out[method] = {"error": f"{type(exc).__name__}: {exc}"}
                break
            times.append(time.perf_counter() - started)
            explore_times.append(getattr(result, "explore_seconds", float("nan")))
        else:
            out[method] = {
                "seconds_median": round(statistics.median(times), 2),
                "explore_seconds_median": round(statistics.median(explore_times), 2),
                "states": _states(result),
            }
        if method == "sparse" and out[method].get("seconds_median", 0) > 60:
            break  # the rational solver would only be slower
    return out


def _states(result: object) -> int | None:
    for name in ("states", "nodes", "n_states", "explored"):
        value = getattr(result, name, None)
        if isinstance(value, int):
            return value
    return None


# --- parallel speed-up --------------------------------------------------------------------

SPIN = "n = 0\nfor i in range({}): n += i * i % 7"
"""Plain Python busy work, for the machine's own speed-up with two processes."""


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed_processes(commands: list[list[str]]) -> tuple[float, float, list[str]]:
    """Wall and CPU seconds of running ``commands`` at the same time, and their outputs."""
    cpu, started = _child_cpu(), time.perf_counter()
    procs = [
        subprocess.Popen(c, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            sys.exit(f"{' '.join(proc.args)} failed:\n{err}")
        outputs.append(out)
    return time.perf_counter() - started, _child_cpu() - cpu, outputs


def parallel_speedup(runs: int, repeats: int) -> dict[str, Any]:
    """``python -m model.simulate --runs RUNS --jobs 1`` against ``--jobs 2``: wall time as a
    user sees it (start-up, the exact values beside the runs and the report included), the
    two timed in turn within each repeat; median of ``repeats``, and their ratio.

    Beside it, the machine's own ceiling in the same run: wall time of one process doing
    plain Python work against two processes doing that work each (2.0 on two idle cores; less
    when other work shares them). The two reports must be identical.
    """
    scenario = str(DEFAULT.relative_to(ROOT))
    command = [sys.executable, "-m", "model.simulate", scenario, "--runs", str(runs), "--json"]
    spin = [sys.executable, "-c", SPIN.format(8_000_000)]
    samples: dict[str, list[float]] = {"jobs1": [], "jobs2": [], "cpu1": [], "cpu2": []}
    ceiling: list[float] = []
    load_before = os.getloadavg()
    for _ in range(repeats):
        wall1, cpu1, (out1,) = _timed_processes([[*command, "--jobs", "1"]])
        wall2, cpu2, (out2,) = _timed_processes([[*command, "--jobs", "2"]])
        if out1 != out2:
            sys.exit("--jobs 1 and --jobs 2 gave different reports")
        samples["jobs1"].append(wall1)
        samples["jobs2"].append(wall2)
        samples["cpu1"].append(cpu1)
        samples["cpu2"].append(cpu2)
        one, _, _ = _timed_processes([spin])
        two, _, _ = _timed_processes([spin, spin])
        ceiling.append(2 * one / two)
    median = {name: statistics.median(values) for name, values in samples.items()}
    return {
        "command": " ".join(["python", *command[1:], "--jobs", "J"]),
        "runs": runs,
        "repeats": repeats,
        "seconds": {name: round(value, 2) for name, value in median.items()},
        "ratio": round(median["jobs1"] / median["jobs2"], 2),
        "machine_ceiling": round(statistics.median(ceiling), 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "samples": {name: [round(x, 2) for x in v] for name, v in samples.items()},
        "ceiling_samples": [round(x, 2) for x in ceiling],
    }


def print_parallel(par: dict[str, Any]) -> None:
    s = par["seconds"]
    print(
        f"parallel speed-up, {par['runs']:,} runs, elapsed time of the whole command, median of "
        f"{par['repeats']} (the two alternating):"
    )
    print(f"  {par['command']}")
    print(f"  --jobs 1  {s['jobs1']:>7.2f} s   (CPU {s['cpu1']:.2f} s)")
    print(f"  --jobs 2  {s['jobs2']:>7.2f} s   (CPU {s['cpu2']:.2f} s, all processes)")
    if par["runs"] >= 1_000_000:
        verdict = "target >= 1.7x  " + ("met" if par["ratio"] >= 1.7 else "NOT met")
    else:
        verdict = "(the target, 1.7x, is for 1,000,000 runs)"
    print(f"  jobs 1 / jobs 2  {par['ratio']}x   {verdict}")
    before, after = par["load_average_before"], par["load_average_after"]
    print(
        f"  (the machine: two processes of plain Python {par['machine_ceiling']}x one, in this "
        f"run; load average {before[0]} before, {after[0]} after; same report: checked)"
    )


def print_throughput(figures: dict[str, Any]) -> None:
    rps = figures["runs_per_second"]
    ratios = figures["ratios"]
    print(f"Monte Carlo throughput on {figures['scenario']}")
    print(
        f"python {figures['python']} · {figures['clock']} time · {figures['repeats']} repeats · "
        f"{figures['runs_per_repeat']:,} runs per repeat ({figures['engine_runs_per_repeat']:,} "
        f"for the engine) · {figures['mean_steps_per_run']} steps per run on average"
    )
    print("same transitions fired by all methods for the first seeds: checked")
    print()
    print(f"  {'method':<34}{'runs/s (median)':>16}")
    labels = {
        "fast": "fast path (memo graph)",
        "fast_no_memo": "fast path (memo=False)",
        "hand_written": "hand-written dict machine",
        "engine": "transitions engine, Run.play",
        "semantics_runner": "(tests' reference semantics_runner)",
    }
    for name, label in labels.items():
        if name in rps:
            print(f"  {label:<34}{rps[name]:>16,}")
    print(
        f"  (fast path, first pass building the graph: {figures['fast_cold_first_pass']:,} runs/s;"
        f" compile {figures['compile_ms']} ms; {figures['memo_nodes']:,} snapshots in the graph)"
    )
    print()
    fe, fh = ratios["fast/engine"], ratios["fast/hand_written"]
    print(f"  fast / engine        {fe:>6}x   target >= 20x   {'met' if fe >= 20 else 'NOT met'}")
    print(f"  fast / hand-written  {fh:>6}x   target >= 0.5x  {'met' if fh >= 0.5 else 'NOT met'}")
    print(
        f"  (memo=False: {ratios['fast_no_memo/engine']}x the engine, "
        f"{ratios['fast_no_memo/hand_written']}x the hand-written loop)"
    )
    print()


def print_exact(exact: dict[str, Any] | None, args: argparse.Namespace) -> None:
    if args.no_exact:
        print("exact analysis: skipped (--no-exact)")
    elif exact is None:
        print("exact analysis: skipped (model.analysis.exact or the large fixture is absent)")
    else:
        print(
            f"exact analysis of {exact['scenario']} (elapsed time, median of {args.exact_repeats}):"
        )
        for method in ("sparse", "fraction"):
            item = exact.get(method)
            if item is None:
                continue
            if "error" in item:
                print(f"  {method:<9} failed: {item['error']}")
                continue
            verdict = "met" if item["seconds_median"] <= 10 else "NOT met"
            states = f"{item['states']:,} states, " if item["states"] else ""
            print(
                f"  {method:<9} {item['seconds_median']:>7} s ({states}exploring "
                f"{item['explore_seconds_median']} s)   target <= 10 s   {verdict}"
            )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20_000, help="runs per repeat (fast paths)")
    parser.add_argument("--engine-runs", type=int, default=1_000, help="runs per repeat (engine)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--exact-repeats", type=int, default=3)
    parser.add_argument("--no-exact", action="store_true", help="skip the exact analysis")
    parser.add_argument(
        "--parallel-runs", type=int, default=1_000_000, help="runs for the parallel speed-up"
    )
    parser.add_argument("--parallel-repeats", type=int, default=3)
    parser.add_argument("--no-parallel", action="store_true", help="skip the parallel speed-up")
    parser.add_argument("--parallel-only", action="store_true", help="only the parallel speed-up")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--wall", action="store_true", help="time elapsed, not CPU, seconds")
    args = parser.parse_args(argv)
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    if args.quick:
        args.runs, args.engine_runs, args.repeats, args.exact_repeats = 2000, 100, 3, 1
        args.parallel_runs, args.parallel_repeats = 20_000, 1

    figures: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "clock": "wall" if args.wall else "cpu",
    }
    if not args.parallel_only:
        check_same_runs(range(200 if not args.quick else 50))
        figures.update(measure(args.runs, args.engine_runs, args.repeats))
        figures["exact"] = None if args.no_exact else exact_analysis(args.exact_repeats)
    if not args.no_parallel:
        figures["parallel"] = parallel_speedup(args.parallel_runs, args.parallel_repeats)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    if not args.parallel_only:
        print_throughput(figures)
        print_exact(figures["exact"], args)
    if not args.no_parallel:
        print_parallel(figures["parallel"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
