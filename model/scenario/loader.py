"""Load a scenario file: parse, validate the shape, check the meaning, compile.

Each phase collects every problem it finds and reports them together, each with the file,
line, column and field (``scenarios/x.yaml:23:5: transitions[3].guard: unknown name ...``).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from model.base.confine import choose_root
from model.base.errors import Problem, ScenarioError
from model.base.hints import Hints
from model.base.limits import (
    MAX_VARIANT_COMBINATIONS,
)
from model.base.paths import find_scenario
from model.scenario import expr, walk
from model.scenario.clock import unbounded_reads
from model.scenario.compiled import BUILTINS, SCHEDULE, CompiledTransition, Due, Scenario
from model.scenario.compose import compose
from model.scenario.derived import check_derived, measure
from model.scenario.labels import label_conflicts
from model.scenario.properties import NONE, SNAPSHOT_NAMES, conditions, snapshot_types
from model.scenario.queries import Names, QueryError, outcomes, parse_query
from model.scenario.schedules import check_tables
from model.scenario.schema import (
    BoolVariable,
    EnumVariable,
    IntVariable,
    ScenarioSpec,
    Transition,
)
from model.scenario.shape import schema_problems
from model.scenario.sourcecheck import SourceChecks
from model.scenario.yamlsource import Document, Path_, read_file, read_text

RESERVED_NAMES = frozenset(
    {*BUILTINS, *SNAPSHOT_NAMES, *expr.FUNCTIONS, expr.UPTO, *expr.CONSTANTS, "True", "False"}
)
"""Names no variable or parameter may take: they mean something in every expression."""
_RESERVED_TRIGGERS = frozenset({"trigger", "state", "days_pass"})
_RESERVED_TRIGGER_PREFIXES = ("is_", "to_", "may_")  # methods `transitions` adds to a model


def load(path: str | Path, display: str | None = None, root: str | Path | None = None) -> Scenario:
    """Load and check one scenario file; raise `ScenarioError` listing every problem.

    Files it names (includes, extends, sources) must be inside ``root``: by default the
    nearest folder above the file with ``pyproject.toml``, ``.git`` or ``seeds/`` in it,
    else the file's own folder (`confine.find_root`).

    ``path`` is read relative to the working directory; when no such file exists and it names
    a shipped scenario (``scenarios/x.yaml``, ``x.yaml`` or ``x``), that one is loaded.
    """
    path = find_scenario(path)
    doc = read_file(path, display)
    return load_document(doc, Path(os.path.realpath(path)).parent, root)


def load_text(
    text: str,
    file: str = "<text>",
    base_dir: str | Path = ".",
    root: str | Path | None = None,
) -> Scenario:
    """Load a scenario from text (for notebooks and tests); paths resolve from ``base_dir``.

    The root is ``root``, else found from ``base_dir`` as for a file in that folder.
    """
    return load_document(read_text(text, file), Path(os.path.realpath(base_dir)), root)


def load_document(doc: Document, base_dir: Path, root: str | Path | None = None) -> Scenario:
    """Compose, validate and check a parsed scenario whose relative paths start at base_dir."""
    base = Path(os.path.realpath(base_dir))
    top = choose_root(root, base)
    doc = compose(doc, base, top)
    try:
        spec = ScenarioSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(schema_problems(doc, exc, ScenarioSpec)) from None
    return _Checker(doc, spec, base, top).build()


# --- meaning ---------------------------------------------------------------------------------


class _Checker:
    def __init__(self, doc: Document, spec: ScenarioSpec, base_dir: Path, root: Path) -> None:
        self.doc = doc
        self.spec = spec
        self.base_dir = base_dir
        self.root = root
        self.problems: list[Problem] = []
        self.hints = Hints()
        self._triggers = Counter(t.trigger for t in spec.transitions)
        # Each derived quantity's tree with the derived quantities it reads written out
        # (from `check_derived`); expressions are measured expanded, as the table runs them.
        self.expanded: dict[str, expr.Expr] = {}
        self.tables: dict[str, expr.TableRows] = {}  # the data of the tables (`check_tables`)

    def fail(self, path: Path_, message: str) -> None:
        self.problems.append(self.doc.problem(path, message))

    def build(self) -> Scenario:
        spec = self.spec
        self._unique()
        for path, message in label_conflicts(spec):
            self.fail(path, message)
        sources = SourceChecks(spec, self.base_dir, self.root, self.fail, self.hints).run()
        param_types = self._parameters()
        var_types = self._variable_types()
        initial_values = self._initial_values(param_types)
        stage_days = self._stage_days(param_types, var_types)
        states = {s.id: s for s in spec.states}
        stages = {s.id for s in spec.stages}
        parties = {p.id for p in spec.parties}
        for i, s in enumerate(spec.states):
            if s.stage is None and s.outcome is None:
                self.fail(
                    ("states", i),
                    f"state {s.id!r} needs a 'stage' (only outcome states may omit it)",
                )
            elif s.stage is not None and s.stage not in stages:
                self.fail(("states", i, "stage"), self.hints.unknown("stage", s.stage, stages))
            if s.outcome == NONE:
                self.fail(("states", i, "outcome"), f"{NONE!r} means 'no outcome'; choose another")
        if NONE in stages:
            at = ("stages", [s.id for s in spec.stages].index(NONE), "id")
            self.fail(at, f"{NONE!r} means 'no stage' (in an outcome); choose another")
        if spec.initial not in states:
            self.fail(("initial",), self.hints.unknown("state", spec.initial, states))
        full_env: dict[str, expr.Type] = {
            **param_types,
            **var_types,
            "day": expr.INT,
            "day_in_stage": expr.INT,
        }
        table_types, self.tables = check_tables(spec.tables, self.hints, self.fail)
        full_env.update(table_types)
        derived, self.expanded = check_derived(
            spec.derived, full_env, self.tables, self.hints, self.fail
        )
        full_env.update((name, t) for name, (t, _) in derived.items())
        transitions = [
            self._transition(i, full_env, states, parties, stage_days)
            for i in range(len(spec.transitions))
        ]
        if spec.horizon is None and not self.problems:
            for path, message in unbounded_reads(spec, self.expanded):
                self.fail(path, message)
        # Invariants and properties also read the current state, stage and outcome.
        snapshot_env = {**full_env, **snapshot_types(spec)}
        invariants = []
        for i, inv in enumerate(spec.invariants):
            f = self._expr(("invariants", i, "holds"), inv.holds, snapshot_env, expr.BOOL)
            invariants.append((inv.id, f))
        for i, p in enumerate(spec.properties):
            for where, text in conditions(p):
                self._expr(("properties", i, *where), text, snapshot_env, expr.BOOL)
        self._queries(full_env)
        if self.problems:
            raise ScenarioError(self.problems)
        return Scenario(
            spec=spec,
            file=self.doc.file,
            document=self.doc,
            sources=sources,
            transitions=tuple(t for t in transitions if t is not None),
            invariants=tuple((n, f) for n, f in invariants if f is not None),
            initial_values=tuple((n, f) for n, f in initial_values if f is not None),
            stage_days=stage_days,
            derived=tuple((name, f) for name, (_, f) in derived.items()),
            derived_trees=dict(self.expanded),
            tables=self.tables,
            names=dict(full_env),
        )

    def _queries(self, env: Mapping[str, expr.Type]) -> None:
        spec = self.spec
        names = Names(env, [s.id for s in spec.states], [s.id for s in spec.stages], outcomes(spec))
        for i, q in enumerate(spec.queries):
            try:
                parse_query(q.ask, names, self.hints)
            except QueryError as exc:
                self.fail(("queries", i, "ask"), f"column {exc.column}: {exc}")

    # ids and references

    def _unique(self) -> None:
        spec = self.spec
        for section in (
            "sources",
            "parties",
            "stages",
            "variables",
            "parameters",
            "derived",
            "tables",
            "states",
            "invariants",
            "properties",
            "queries",
        ):
            items = getattr(spec, section)
            first: set[str] = set()
            for i, item in enumerate(items):
                if item.id in first:
                    self.fail((section, i, "id"), f"{section} has more than one entry {item.id!r}")
                first.add(item.id)
        names = [
            *((v.id, "variables", i) for i, v in enumerate(spec.variables)),
            *((p.id, "parameters", i) for i, p in enumerate(spec.parameters)),
            *((d.id, "derived", i) for i, d in enumerate(spec.derived)),
            *((t.id, "tables", i) for i, t in enumerate(spec.tables)),
        ]
        kinds = {
            "variables": "variable",
            "parameters": "parameter",
            "derived": "derived quantity",
            "tables": "table",
        }
        seen: dict[str, str] = {}
        for name, section, i in names:
            if name in RESERVED_NAMES:
                self.fail(
                    (section, i, "id"),
                    f"{name!r} is a reserved name in expressions; choose another",
                )
            elif name in seen and seen[name] != section:
                self.fail(
                    (section, i, "id"),
                    f"{name!r} is both a {kinds[seen[name]]} and a {kinds[section]}",
                )
            seen.setdefault(name, section)
        for i, party in enumerate(spec.parties):
            if party.id == SCHEDULE:
                self.fail(
                    ("parties", i, "id"),
                    f"{SCHEDULE!r} is reserved: it is the actor of scheduled events and deadlines",
                )
        for i, t in enumerate(spec.transitions):
            if t.trigger in _RESERVED_TRIGGERS or t.trigger.startswith(_RESERVED_TRIGGER_PREFIXES):
                self.fail(
                    ("transitions", i, "trigger"),
                    f"trigger {t.trigger!r} is reserved (names 'trigger', 'state', 'days_pass' "
                    "and names starting 'is_', 'to_', 'may_' are used by the engine)",
                )

    # parameters, variables, stages

    def _parameters(self) -> dict[str, expr.Type]:
        types: dict[str, expr.Type] = {}
        combinations = math.prod(len(p.variants) for p in self.spec.parameters if p.variants)
        if combinations > MAX_VARIANT_COMBINATIONS:
            first = next(i for i, p in enumerate(self.spec.parameters) if p.variants)
            self.fail(
                ("parameters", first, "variants"),
                f"the parameters' variants make {combinations} combinations, each checked on "
                f"its own; the limit is {MAX_VARIANT_COMBINATIONS} (MAX_VARIANT_COMBINATIONS)",
            )
        for i, p in enumerate(self.spec.parameters):
            types[p.id] = p.type
            values = [v.value for v in p.variants]
            for j, v in enumerate(p.variants):
                wrong = isinstance(v.value, bool) != (p.type == "bool")
                if wrong or values.index(v.value) != j:
                    self.fail(
                        ("parameters", i, "variants", j, "value"),
                        f"a variant needs a distinct {p.type} value, found {v.value!r}",
                    )
            if p.variants and p.default not in values:
                self.fail(
                    ("parameters", i, "default"),
                    "with variants, the default must be one of the variants' values",
                )
            if p.type == "bool":
                if not isinstance(p.default, bool):
                    self.fail(
                        ("parameters", i, "default"),
                        f"a bool parameter needs true or false, found {p.default!r}",
                    )
                if p.min is not None or p.max is not None:
                    self.fail(("parameters", i), "a bool parameter takes no min or max")
                continue
            if isinstance(p.default, bool):
                self.fail(
                    ("parameters", i, "default"),
                    f"an int parameter needs a whole number, found {p.default!r}",
                )
                continue
            if p.min is not None and p.max is not None and p.min > p.max:
                self.fail(("parameters", i), f"min ({p.min}) is larger than max ({p.max})")
            elif (p.min is not None and p.default < p.min) or (
                p.max is not None and p.default > p.max
            ):
                self.fail(
                    ("parameters", i, "default"),
                    f"default {p.default} is outside [{p.min}, {p.max}]",
                )
        return types

    def _variable_types(self) -> dict[str, expr.Type]:
        types: dict[str, expr.Type] = {}
        for v in self.spec.variables:
            if isinstance(v, IntVariable):
                types[v.id] = expr.INT
            elif isinstance(v, BoolVariable):
                types[v.id] = expr.BOOL
            else:
                types[v.id] = expr.EnumType(v.id, v.values)
        return types

    def _initial_values(
        self, param_types: Mapping[str, expr.Type]
    ) -> list[tuple[str, expr.Compiled | None]]:
        out: list[tuple[str, expr.Compiled | None]] = []
        defaults = {p.id: p.default for p in self.spec.parameters}
        for i, v in enumerate(self.spec.variables):
            path = ("variables", i, "initial")
            if isinstance(v, EnumVariable):
                if v.initial not in v.values:
                    self.fail(path, self.hints.unknown(f"value of {v.id}", v.initial, v.values))
                    out.append((v.id, None))
                else:
                    out.append((v.id, expr.compile_expr(expr.Const(v.initial))))
                if len(set(v.values)) != len(v.values):
                    self.fail(("variables", i, "values"), "values are listed more than once")
                continue
            t = expr.INT if isinstance(v, IntVariable) else expr.BOOL
            f = self._expr(
                path, v.initial, param_types, t, "initial values may read parameters only"
            )
            out.append((v.id, f))
            if f is not None and isinstance(v, IntVariable):
                try:
                    value = f(defaults)
                except ZeroDivisionError:
                    self.fail(path, "division by zero with the default parameters")
                    continue
                if not v.min <= int(value) <= v.max:
                    self.fail(
                        path,
                        f"initial value {value} (with default parameters) "
                        f"is outside [{v.min}, {v.max}]",
                    )
        return out

    def _stage_days(
        self, param_types: Mapping[str, expr.Type], var_types: Mapping[str, expr.Type]
    ) -> dict[str, expr.Compiled | None]:
        out: dict[str, expr.Compiled | None] = {}
        for i, st in enumerate(self.spec.stages):
            out[st.id] = (
                None
                if st.days is None
                else self._expr(
                    ("stages", i, "days"),
                    st.days,
                    {**param_types, **var_types},
                    expr.INT,
                    "stage lengths may read parameters and variables",
                )
            )
        return out

    # transitions

    def _transition(
        self,
        i: int,
        env: Mapping[str, expr.Type],
        states: Mapping[str, Any],
        parties: set[str],
        stage_days: Mapping[str, expr.Compiled | None],
    ) -> CompiledTransition | None:
        t = self.spec.transitions[i]
        base: Path_ = ("transitions", i)
        ok = True
        for j, s in enumerate(t.sources):
            if s not in states:
                where = (*base, "source", j) if not isinstance(t.source, str) else (*base, "source")
                self.fail(where, self.hints.unknown("state", s, states))
                ok = False
            elif states[s].outcome is not None:
                pass  # the checker reports moves out of outcome states
        if t.dest not in states:
            self.fail((*base, "dest"), self.hints.unknown("state", t.dest, states))
            ok = False
        if t.actor is not None and t.actor not in parties:
            self.fail((*base, "actor"), self.hints.unknown("party", t.actor, parties))
        local = dict(env)
        if ok and all(
            states[s].stage is not None and stage_days.get(states[s].stage) is not None
            for s in t.sources
        ):
            local["stage_days"] = expr.INT
        var_types = {v.id: env[v.id] for v in self.spec.variables}
        guard = self._expr((*base, "guard"), t.guard, local, expr.BOOL)
        requires = [
            self._expr((*base, "requires", j, "holds"), r.holds, local, expr.BOOL)
            for j, r in enumerate(t.requires)
        ]
        for j, r in enumerate(t.requires):
            if r.by is not None and r.by not in parties:
                self.fail((*base, "requires", j, "by"), self.hints.unknown("party", r.by, parties))
        if guard is not None and requires and all(f is not None for f in requires):
            guard = _all_of([guard, *(f for f in requires if f is not None)])
        elif any(f is None for f in requires):
            guard = None
        effects = []
        derived = {d.id for d in self.spec.derived}
        tables = {table.id for table in self.spec.tables}
        for name, value in t.effects.items():
            if name in tables:
                self.fail(
                    (*base, "effects", name),
                    f"{name!r} is a table, data of the scenario; an effect cannot set it "
                    "(set a variable from a read of it, such as "
                    f"{name}[day_in_stage])",
                )
                continue
            if name in derived:
                self.fail(
                    (*base, "effects", name),
                    f"{name!r} is a derived quantity, computed from the state; an effect "
                    "cannot set it (change the variables it reads)",
                )
                continue
            if name not in var_types:
                self.fail((*base, "effects", name), self.hints.unknown("variable", name, var_types))
                continue
            effects.append(
                (name, self._expr((*base, "effects", name), value, local, var_types[name]))
            )
        days = self._expr((*base, "days"), t.days, local, expr.INT)
        weight = self._expr((*base, "weight"), t.weight, local, expr.INT)
        timing = self._timing(t, base, local)
        if (
            not ok
            or guard is None
            or days is None
            or weight is None
            or timing is None
            or any(f is None for _, f in effects)
        ):
            return None
        name = self._transition_name(i)
        return CompiledTransition(
            index=i,
            name=name,
            spec=t,
            sources=t.sources,
            guard=guard,
            effects=tuple((n, f) for n, f in effects if f is not None),
            days=days,
            weight=weight,
            due=timing[0],
            chance=timing[1],
        )

    def _timing(
        self, t: Transition, base: Path_, env: Mapping[str, expr.Type]
    ) -> tuple[Due | None, tuple[expr.Compiled, expr.Compiled] | None] | None:
        """A scheduled event's or deadline's day, or a risk's chance, compiled (None: an
        expression failed, already reported)."""
        timed = t.schedule or t.deadline
        if timed is not None:
            kind, text = timed.when
            field = {"at": "at", "every": "every", "after": "after"}[kind]
            if t.deadline is not None:
                field = "by" if kind == "at" else "within"
            section = "schedule" if t.schedule is not None else "deadline"
            f = self._expr((*base, section, field), text, env, expr.INT)
            return None if f is None else ((kind, f), None)
        if t.risk is not None:
            chance = self._expr((*base, "risk", "chance"), t.risk.chance, env, expr.INT)
            out_of = self._expr((*base, "risk", "in"), t.risk.in_, env, expr.INT)
            if chance is None or out_of is None:
                return None
            return None, (chance, out_of)
        return None, None

    def _transition_name(self, i: int) -> str:
        """The trigger, qualified by source state when several transitions share it."""
        t = self.spec.transitions[i]
        if self._triggers[t.trigger] == 1:
            return t.trigger
        return f"{t.trigger}[{i}]"

    # expressions

    def _expr(
        self,
        path: Path_,
        value: str | bool | int,
        env: Mapping[str, expr.Type],
        expected: expr.Type,
        scope_note: str = "",
    ) -> expr.Compiled | None:
        try:
            tree = expr.parse(expr.text_of(value))
            expr.typecheck(tree, env, expected, self.hints)
            measure(walk.expand(tree, self.expanded) if self.expanded else tree)
        except expr.ExprError as exc:
            message = str(exc)
            if scope_note and message.startswith("unknown name"):
                message += f" ({scope_note})"
            self.fail(path, message)
            return None
        return expr.compile_expr(tree, self.tables)


def _all_of(parts: list[expr.Compiled]) -> expr.Compiled:
    """A guard that holds when the transition's own guard and all its requirements hold."""
    return lambda env: all(f(env) for f in parts)


__all__ = ["RESERVED_NAMES", "load", "load_document", "load_text"]
