"""Hypothesis strategies for random *valid* scenarios (shape, names and types all correct).

Guards, effects and invariants are random well-typed expressions, so generated scenarios may
go out of bounds, break invariants or deadlock: that is what the checker's tests want.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

SEED_FILE = "../seeds/000_fe535af938dae792.txt"
QUOTES = (
    "Israel and Hamas sent teams to Egypt yesterday",
    "consultations were expected to continue within 48 hours",
    "would be staggered over three stages",
)


def _int_expr(draw: st.DrawFn, ints: list[str], depth: int, hazards: bool = False) -> str:
    """An int expression; with ``hazards`` also ``//`` and ``%`` (by names, which may be 0:
    a constant ``1 // 0`` the loader refuses) and a huge product (beyond 2**63)."""
    leaves = [str(draw(st.integers(-3, 5))), *ints]
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        if hazards and draw(st.integers(0, 9)) == 0:
            return "(1000000000000000 * 1000000000000000)"
        return draw(st.sampled_from(leaves))
    kinds = ["+", "-", "*", "min", "max", "if"]
    if hazards and ints:
        kinds += ["//", "%"]
    kind = draw(st.sampled_from(kinds))
    a = _int_expr(draw, ints, depth - 1, hazards)
    if kind in ("//", "%"):
        return f"({a} {kind} {draw(st.sampled_from(ints))})"
    b = _int_expr(draw, ints, depth - 1, hazards)
    if kind in ("min", "max"):
        return f"{kind}({a}, {b})"
    if kind == "if":
        return f"({a} if {_bool_expr(draw, ints, [], {}, depth - 1, hazards)} else {b})"
    return f"({a} {kind} {b})"


def _bool_expr(
    draw: st.DrawFn,
    ints: list[str],
    bools: list[str],
    enums: dict[str, list[str]],
    depth: int,
    hazards: bool = False,
) -> str:
    options = ["cmp", "const"] + (["bool"] if bools else []) + (["enum"] if enums else [])
    if depth > 0:
        options += ["and", "or", "not"]
    kind = draw(st.sampled_from(options))
    if kind == "const":
        return draw(st.sampled_from(["true", "false"]))
    if kind == "bool":
        return draw(st.sampled_from(bools))
    if kind == "enum":
        name = draw(st.sampled_from(sorted(enums)))
        op = draw(st.sampled_from(["==", "!="]))
        return f"{name} {op} '{draw(st.sampled_from(enums[name]))}'"
    if kind == "cmp":
        op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        return f"{_int_expr(draw, ints, 1, hazards)} {op} {_int_expr(draw, ints, 1, hazards)}"
    if kind == "not":
        return f"not ({_bool_expr(draw, ints, bools, enums, depth - 1, hazards)})"
    a = _bool_expr(draw, ints, bools, enums, depth - 1, hazards)
    b = _bool_expr(draw, ints, bools, enums, depth - 1, hazards)
    return f"({a} {kind} {b})"


def _provenance(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {"assumption": "generated"}
    return {"quote": {"text": draw(st.sampled_from(QUOTES))}}


def _derived(
    draw: st.DrawFn,
    ints: list[str],
    bools: list[str],
    enums: dict[str, list[str]],
    hazards: bool,
) -> list[dict[str, Any]]:
    """One to three derived quantities ``d0``, ``d1``, ...; each may read the ones before it
    (added to ``ints`` or ``bools``, which guards, effects and invariants then read)."""
    out = []
    for i in range(draw(st.integers(1, 3))):
        name = f"d{i}"
        if draw(st.booleans()):
            value = _int_expr(draw, ints, 1, hazards)
            ints.append(name)
        else:
            value = _bool_expr(draw, ints, bools, enums, 1, hazards)
            bools.append(name)
        out.append({"id": name, "name": f"Derived {i}", "value": value, **_provenance(draw)})
    return out


def _tables(draw: st.DrawFn) -> list[dict[str, Any]]:
    """One or two schedule tables ``tb0``, ``tb1``: keys from -1 to 8 (days, and a key before
    the start), small values; a table may have columns ``a``, ``b`` (a row may leave one out),
    and a default."""
    out = []
    for i in range(draw(st.integers(1, 2))):
        columns = draw(st.sampled_from([None, ["a"], ["a", "b"]]))
        keys = draw(st.lists(st.integers(-1, 8), min_size=1, max_size=4, unique=True))
        cell = st.integers(-3, 5)
        rows: dict[int, Any] = {}
        for k in keys:
            if columns is None:
                rows[k] = draw(cell)
            else:
                chosen = draw(st.lists(st.sampled_from(columns), unique=True, max_size=2))
                rows[k] = {c: draw(cell) for c in chosen}
        table: dict[str, Any] = {"id": f"tb{i}", "rows": rows, **_provenance(draw)}
        if columns is not None:
            table["columns"] = columns
        if draw(st.booleans()):
            table["default"] = draw(st.integers(-2, 3))
        out.append(table)
    return out


def _table_reads(draw: st.DrawFn, tables: list[dict[str, Any]], ints: list[str]) -> list[str]:
    """Two to four reads of ``tables`` (``tb0[i]``, ``tb1[i, 'a']``, ``upto(tb0, i)``), each
    indexed by a name in ``ints`` or a small constant."""
    reads = []
    for _ in range(draw(st.integers(2, 4))):
        table = draw(st.sampled_from(tables))
        index = draw(st.sampled_from([*ints, str(draw(st.integers(-2, 9)))]))
        columns = table.get("columns")
        column = f", '{draw(st.sampled_from(columns))}'" if columns else ""
        if draw(st.booleans()):
            reads.append(f"upto({table['id']}, {index}{column})")
        else:
            reads.append(f"{table['id']}[{index}{column}]")
    return reads


def _timing(
    draw: st.DrawFn,
    t: dict[str, Any],
    sources: list[str],
    stages: list[dict[str, Any]],
    states: list[dict[str, Any]],
    ints: list[str],
    hazards: bool,
) -> None:
    """Make the transition ``t`` (a decision as drawn) a risk, a scheduled event or a
    deadline, or leave it a decision (then its days make it an activity)."""
    kind = draw(st.sampled_from(["decision", "risk", "scheduled", "deadline"]))
    if kind == "decision":
        return
    del t["weight"], t["days"]
    if kind == "risk":
        out_of = draw(st.integers(2, 10))
        chance: Any = draw(st.integers(1, out_of - 1))
        if hazards and draw(st.booleans()):
            chance = _int_expr(draw, ints, 1, hazards)
        t["risk"] = {"chance": chance, "in": out_of}
        if draw(st.booleans()):
            t["risk"]["per"] = draw(st.sampled_from(["day", "week"]))
        return
    if kind == "scheduled" and draw(st.booleans()):
        del t["actor"]  # the schedule acts
    if draw(st.booleans()):  # a self-loop: fires at most once a day
        t["dest"] = draw(st.sampled_from(sources))
    if draw(st.integers(0, 3)) == 0:
        t["guard"] = True
    stage_of = {s["id"]: s.get("stage") for s in states}
    lengths = {s["id"]: "days" in s for s in stages}
    fields = ["at", "every", "after"] if kind == "scheduled" else ["by", "within"]
    field = draw(st.sampled_from(fields))
    day: Any = draw(st.integers(1 if field == "every" else 0, 4))
    if field in ("at", "by") and all(lengths[stage_of[s]] for s in sources) and draw(st.booleans()):
        day = "stage_days"
    if hazards and draw(st.integers(0, 3)) == 0:
        day = _int_expr(draw, ints, 1, hazards)
    t["schedule" if kind == "scheduled" else "deadline"] = {field: day}


@st.composite
def scenario_data(
    draw: st.DrawFn,
    max_states: int = 5,
    max_transitions: int = 8,
    hazards: bool = False,
    derived: bool = False,
    requires: bool = False,
    tables: bool = False,
    time: bool = False,
) -> dict[str, Any]:
    """A random valid scenario as the plain data a YAML file would hold.

    With ``hazards``, expressions may also divide by zero and weights and durations are
    expressions that may be negative or huge: runs then meet evaluation errors. With
    ``derived``, it declares derived quantities that guards, effects, weights, durations and
    invariants read (without it, nothing drawn differs: other tests rely on the scenarios).
    With ``requires``, transitions may carry further conditions (``requires: [{holds: ...}]``),
    so that errors are placed at the condition that raised them (likewise opt-in). With
    ``tables``, it declares schedule tables that guards, effects, weights, durations and
    derived quantities read (likewise opt-in).


    so that errors are placed at the condition that raised them (likewise opt-in).
    With ``time``, transitions may be daily or weekly risks, scheduled events (at, every,
    after, often self-loops) and deadlines (by, within), decisions may take days (activities),
    stage lengths may read a variable, and invariants may read ``day_in_stage`` (`_timing`;
    likewise opt-in).
    """
    n_parties = draw(st.integers(1, 3))
    parties = [
        {"id": f"p{i}", "name": f"Party {i}", "role": "party", **_provenance(draw)}
        for i in range(n_parties)
    ]
    n_stages = draw(st.integers(1, 3))
    stages = []
    for i in range(n_stages):
        stage: dict[str, Any] = {"id": f"s{i}", "name": f"Stage {i}", **_provenance(draw)}
        if draw(st.booleans()):
            stage["days"] = draw(st.integers(0, 4))
        stages.append(stage)

    params = []
    for i in range(draw(st.integers(0, 2))):
        low = draw(st.integers(0, 2))
        high = draw(st.integers(low, 4))
        default = draw(st.integers(low, high))
        params.append(
            {"id": f"k{i}", "default": default, "min": low, "max": high, **_provenance(draw)}
        )
    param_names = [p["id"] for p in params]

    variables: list[dict[str, Any]] = []
    ints, bools, enums = [], [], {}
    for i in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["int", "bool", "enum"]))
        name = f"v{i}"
        if kind == "int":
            high = draw(st.integers(0, 4))
            variables.append(
                {
                    "id": name,
                    "type": "int",
                    "min": 0,
                    "max": high,
                    "initial": draw(st.integers(0, high)),
                    **_provenance(draw),
                }
            )
            ints.append(name)
        elif kind == "bool":
            variables.append(
                {"id": name, "type": "bool", "initial": draw(st.booleans()), **_provenance(draw)}
            )
            bools.append(name)
        else:
            values = [f"e{j}" for j in range(draw(st.integers(1, 3)))]
            variables.append(
                {
                    "id": name,
                    "type": "enum",
                    "values": values,
                    "initial": draw(st.sampled_from(values)),
                    **_provenance(draw),
                }
            )
            enums[name] = values

    if time and ints:  # a stage length may read a variable ("4 + extra // 10")
        for stage in stages:
            if "days" in stage and draw(st.booleans()):
                stage["days"] = f"{stage['days']} + {draw(st.sampled_from(ints))}"
    readable_ints = ints + param_names + ["day", "day_in_stage"]
    table_entries = []
    if tables:
        table_entries = _tables(draw)
        readable_ints = readable_ints + _table_reads(draw, table_entries, readable_ints)
    derived_ints: list[str] = []
    derived_bools: list[str] = []
    derived_entries = []
    if derived:
        derived_ints, derived_bools = list(readable_ints), list(bools)
        derived_entries = _derived(draw, derived_ints, derived_bools, enums, hazards)
        derived_ints = derived_ints[len(readable_ints) :]
        derived_bools = derived_bools[len(bools) :]
        readable_ints = readable_ints + derived_ints
    readable_bools = bools + derived_bools
    n_states = draw(st.integers(1, max_states))
    n_outcomes = draw(st.integers(0, 2))
    states = [
        {"id": f"q{i}", "stage": f"s{draw(st.integers(0, n_stages - 1))}", **_provenance(draw)}
        for i in range(n_states)
    ] + [{"id": f"o{i}", "outcome": f"outcome_{i}", **_provenance(draw)} for i in range(n_outcomes)]
    state_ids = [s["id"] for s in states]
    inner = state_ids[:n_states]

    transitions = []
    for _ in range(draw(st.integers(2 if time else 0, max_transitions))):
        sources = draw(st.lists(st.sampled_from(inner), min_size=1, max_size=2, unique=True))
        effects: dict[str, Any] = {}
        for v in variables:
            if draw(st.integers(0, 3)) == 0:
                if v["type"] == "int":
                    effects[v["id"]] = _int_expr(draw, readable_ints, 1, hazards)
                elif v["type"] == "bool":
                    effects[v["id"]] = _bool_expr(
                        draw, readable_ints, readable_bools, enums, 1, hazards
                    )
                else:
                    effects[v["id"]] = f"'{draw(st.sampled_from(v['values']))}'"
        t: dict[str, Any] = {
            "trigger": f"t{draw(st.integers(0, 5))}",
            "source": sources[0] if len(sources) == 1 else sources,
            "dest": draw(st.sampled_from(state_ids)),
            "actor": f"p{draw(st.integers(0, n_parties - 1))}",
            "guard": _bool_expr(
                draw, readable_ints, readable_bools, enums, 1 if time else 2, hazards
            ),
            "days": draw(st.integers(0, 3)),
            "weight": draw(st.integers(1, 3)),
            "allow_backward": True,
            **_provenance(draw),
        }
        if effects:
            t["effects"] = effects
        if hazards and draw(st.booleans()):
            t["weight"] = _int_expr(draw, readable_ints, 1, hazards)
        if hazards and draw(st.booleans()):
            t["days"] = _int_expr(draw, readable_ints, 1, hazards)
        if time:
            _timing(draw, t, sources, stages, states, readable_ints, hazards)
        if requires:
            t["requires"] = [
                {
                    "holds": _bool_expr(draw, readable_ints, readable_bools, enums, 1, hazards),
                    **_provenance(draw),
                }
                for _ in range(draw(st.integers(0, 2)))
            ]
        transitions.append(t)

    invariants = [
        {
            "id": f"i{i}",
            "holds": _bool_expr(
                draw,
                ints + param_names + ["day"] + (["day_in_stage"] if time else []) + derived_ints,
                readable_bools,
                enums,
                1,
                hazards,
            ),
            **_provenance(draw),
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    data: dict[str, Any] = {
        "id": "generated",
        "title": "Generated scenario",
        "summary": "Random scenario for property tests.",
        "horizon": draw(st.integers(1, 12)),
        "sources": [{"id": "seed", "file": SEED_FILE}],
        "parties": parties,
        "stages": stages,
        "states": states,
        "initial": draw(st.sampled_from(inner)),
        "transitions": transitions,
    }
    if variables:
        data["variables"] = variables
    if params:
        data["parameters"] = params
    if invariants:
        data["invariants"] = invariants
    if derived_entries:
        data["derived"] = derived_entries
    if table_entries:
        data["tables"] = table_entries
    return data
