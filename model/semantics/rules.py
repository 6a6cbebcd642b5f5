"""The step rules of time (docs/semantics.md, "The rules, precisely"), on compiled candidates.

`Rules` is the part of the compiled `model.semantics.table.Table` that decides what the next
step out of a snapshot is: a scheduled event or deadline due today, the arrival of an
activity, a decision among the enabled ones, or a day passing with its risks; and how quiet
days are folded into the step before them. The table builds the candidates (`Candidate` for
decisions, `Timed` for scheduled events and deadlines, `RiskCand` for risks, per control
state) and this module reads them.

Every rule is written once, with a ``careful`` flag: on the fast path (``careful=False``) an
expression that cannot be evaluated, a bound or an invariant broken raises `Slow` or
`ArithmeticError` at the first sign of trouble; on the careful path the same rule evaluates one
piece at a time and raises the located `RunError` of the piece that fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import lcm, prod
from typing import TYPE_CHECKING, Any

from model.base.errors import EvaluationError, RunError
from model.base.limits import MAX_RUN_VALUE
from model.scenario.compiled import DAYS, Scenario
from model.scenario.expr import Value
from model.semantics.compiler import Compiler, Fn
from model.semantics.errors import integer, located

if TYPE_CHECKING:
    from collections.abc import Callable

Activity = tuple[int, int] | None
"""The activity under way: (transition index, days left), or None."""

Key = tuple[int, tuple[Value, ...], int, int, int, Activity, int]
"""A snapshot as flat data: its control state's index, its values, its day, the day its stage
started, the day its control state was entered (0 where not recorded), the activity under way
and the scheduled events fired today (bit i: transition i). Equal keys are equal snapshots."""

Successor = tuple[int, int, int, Key]
"""One step out of a snapshot: its label (a transition's index, or `DAYS`), its weight, its
days and the key of the snapshot it leads to."""


Effect = tuple[int, Fn, int | None, int | None]
"""An effect: the slot it sets, its value, and an integer variable's bounds (low, high; or
None, None)."""

Candidate = tuple[
    int,  # 0: the transition's index in the scenario (as `Event.index`)
    Fn | None,  # 1: guard; None: always true
    int | None,  # 2: a constant weight, or None: call 3
    Fn,  # 3: weight (called only when 2 is None)
    int | None,  # 4: a constant duration (never negative), or None: call 5
    Fn,  # 5: duration (called only when 4 is None)
    tuple[Effect, ...],  # 6: effects, in declaration order
    int,  # 7: destination (control state index)
    bool,  # 8: the destination is in the same stage
]
"""A decision as it leaves one control state, compiled for that state's stage. A flat tuple
rather than a class: the run loops read it by position, without attribute lookups."""

Timed = tuple[
    int,  # 0: transition index
    Fn | None,  # 1: guard
    str,  # 2: "at" (day of the stage), "after" or "every" (days in the state)
    Fn,  # 3: the day N
    tuple[Effect, ...],  # 4: effects
    int,  # 5: destination
    bool,  # 6: the destination is in the same stage
]
"""A scheduled event or deadline as it leaves one control state."""

RiskCand = tuple[
    int,  # 0: transition index
    Fn | None,  # 1: guard
    Fn,  # 2: chance
    Fn,  # 3: in (out of how many)
    bool,  # 4: weekly (otherwise daily)
    tuple[Effect, ...],  # 5: effects
    int,  # 6: destination
    bool,  # 7: the destination is in the same stage
]
"""A risk as it leaves one control state."""

Choice = tuple[int, int, str, Any]
"""One way a snapshot can go on, before it is taken: label, integer weight, how ("timed",
"arrive", "decision", "risk", "days") and what (the candidate; for a decision, with its
days)."""


class Slow(Exception):
    """A fast loop hands a step to the careful path, which builds the error it raises."""


class Failed(Exception):
    """Listing the steps of a snapshot on the careful path met ``error``, an error of
    transition ``index`` (``decision``: while weighing the decisions, whose errors the table
    collects one by one)."""

    def __init__(
        self,
        index: int,
        error: RunError,
        decision: bool = False,
        others: tuple[tuple[int, RunError], ...] = (),
    ) -> None:
        super().__init__(str(error))
        self.index, self.error, self.decision = index, error, decision
        self.others = others  # further errors met in the same listing (risks of one day)


def enabled(
    cands: tuple[Candidate, ...], x: Sequence[Any], limit: int
) -> tuple[list[tuple[Candidate, int, int]], bool]:
    """The enabled decisions of a snapshot ``x``, each with the cumulative weight up to it and
    its duration, and whether a duration passing ``limit`` (the days left before the horizon)
    blocked one. Raises `Slow` or `ArithmeticError` where the rules make an error."""
    out: list[tuple[Candidate, int, int]] = []
    blocked = False
    total = 0
    for c in cands:
        guard = c[1]
        if guard is not None and not guard(x):
            continue
        w = c[2]
        if w is None:
            w = c[3](x)
        if w <= 0:
            if w < 0:
                raise Slow
            continue
        if w > MAX_RUN_VALUE:
            raise Slow
        d = c[4]
        if d is None:
            d = c[5](x)
            if d < 0:
                raise Slow
        if d > limit:
            if d > MAX_RUN_VALUE:
                raise Slow
            blocked = True
            continue
        total += w
        out.append((c, total, d))
    return out, blocked


def tick_weights(chances: Sequence[Fraction]) -> list[int]:
    """Integer weights of the outcomes of a day with risks of these chances (in declaration
    order): risk i happens with chance pᵢ·∏_{j<i}(1 − p_j), nothing with ∏(1 − p_j) (last);
    scaled by the least common denominator, so that the choice is exact."""
    probs = [
        p * prod((1 - q for q in chances[:i]), start=Fraction(1)) for i, p in enumerate(chances)
    ]
    probs.append(prod((1 - q for q in chances), start=Fraction(1)))
    scale = lcm(*(p.denominator for p in probs))
    return [int(p * scale) for p in probs]


class Rules:
    """The step rules over the candidates a `Table` compiled (see the module docstring)."""

    scenario: Scenario
    horizon: int
    names: tuple[str, ...]
    table: tuple[tuple[Candidate, ...], ...]
    timed: tuple[tuple[Timed, ...], ...]
    risks: tuple[tuple[RiskCand, ...], ...]
    tracks_entry: tuple[bool, ...]  # the state has events timed by days in the state
    quiet_never: tuple[bool, ...]  # the state has neither risks nor timed events
    clock_invariants: bool  # some invariant reads the clock (checked on each passing day)
    _outcomes: tuple[str | None, ...]
    _invariants: tuple[tuple[tuple[str, Fn], ...], ...]  # by control state
    _compilers: dict[str | None, Compiler]
    _state_stages: tuple[str | None, ...]

    # The careful evaluation of one piece, with its located error: the table's.
    def _weigh(self, state: int, c: Candidate, x: Sequence[Any]) -> tuple[int, int]:
        raise NotImplementedError

    def _guard(self, state: int, index: int, guard: Fn | None, x: Sequence[Any]) -> bool:
        raise NotImplementedError

    def _through(
        self, compiler: Compiler, text: str | bool | int, x: Sequence[Any]
    ) -> tuple[str, ...] | None:
        raise NotImplementedError

    def _check_bounds(self, where: str, name: str, value: Value, path: Any) -> None:
        raise NotImplementedError

    def check_invariants(self, x: Sequence[Any], after: str, state: int) -> None:
        raise NotImplementedError

    # -- listing -------------------------------------------------------------------------

    def choices(self, key: Key, careful: bool) -> tuple[list[Choice], bool]:
        """The ways ``key`` can go on (rules 1-4), and whether the horizon held something
        back (rule 5, when there is none)."""
        state, values, day, start, _, act, fired = key
        if self._outcomes[state] is not None:
            return [], False
        x = (*values, day, day - start)
        for tm in self.timed[state]:
            if fired >> tm[0] & 1:
                continue
            try:
                if self._due(state, tm, key, x, careful) and (
                    self._guard(state, tm[0], tm[1], x) if careful else tm[1] is None or tm[1](x)
                ):
                    return [(tm[0], 1, "timed", tm)], False
            except RunError as exc:
                raise Failed(tm[0], exc) from None
        blocked = False
        if act is not None:
            if act[1] == 0:
                return [(act[0], 1, "arrive", self._find(state, act[0]))], False
        else:
            if careful:
                found, blocked = self._careful_enabled(state, x, self.horizon - day)
            else:
                found, blocked = enabled(self.table[state], x, self.horizon - day)
            if found:
                out: list[Choice] = []
                before = 0
                for c, cum, d in found:
                    out.append((c[0], cum - before, "decision", (c, d)))
                    before = cum
                return out, blocked
        risks = self._enabled_risks(state, x, careful)
        if act is None and not risks and not self._pending(state, key, x, careful):
            return [], blocked
        if day >= self.horizon:
            return [], True
        week = (day + 1 - start) % 7 == 0
        active = [(r, p) for r, p in risks if week or not r[4]]
        label = DAYS if act is None else act[0]
        if not active:
            return [(label, 1, "days", None)], False
        weights = tick_weights([p for _, p in active])
        out = [(r[0], w, "risk", r) for (r, _), w in zip(active, weights) if w]
        if weights[-1]:
            out.append((label, weights[-1], "days", None))
        return out, False

    def _careful_enabled(
        self, state: int, x: Sequence[Any], limit: int
    ) -> tuple[list[tuple[Candidate, int, int]], bool]:
        try:
            return enabled(self.table[state], x, limit)
        except (ArithmeticError, Slow):
            pass
        for c in self.table[state]:
            try:
                self._weigh(state, c, x)  # raises the error the fast path met
            except RunError as exc:
                raise Failed(c[0], exc, decision=True) from None
        raise AssertionError("the careful path found no error where the fast path did")

    def _due_day(self, state: int, tm: Timed, x: Sequence[Any], careful: bool) -> int:
        """The day N of a scheduled event or deadline; negative (or 0 for `every`) is an
        error of that transition."""
        if not careful:
            n = tm[3](x)
            if n < 0 or (n == 0 and tm[2] == "every") or n > MAX_RUN_VALUE:
                raise Slow
            return int(n)
        t = self.scenario.transitions[tm[0]]
        section = "schedule" if t.spec.schedule is not None else "deadline"
        timing = t.spec.schedule or t.spec.deadline
        assert timing is not None
        field = next(f for f in type(timing).model_fields if getattr(timing, f) is not None)
        path = ("transitions", t.index, section, field)
        compiler = self._compilers[self._state_stages[state]]
        text = getattr(timing, field)
        through: Callable[[], tuple[str, ...] | None] = lambda: self._through(compiler, text, x)  # noqa: E731
        n = integer(self.scenario, tm[3], x, f"transition {t.name}: {field}", path, through)
        if n < 0 or (n == 0 and tm[2] == "every"):
            least = "above 0" if tm[2] == "every" else "0 or more"
            err = EvaluationError(f"transition {t.name}", f"{field} must be {least} (found {n})")
            raise located(self.scenario, err, path)
        return n

    def _due(self, state: int, tm: Timed, key: Key, x: Sequence[Any], careful: bool) -> bool:
        n = self._due_day(state, tm, x, careful)
        day, start, entered = key[2], key[3], key[4]
        if tm[2] == "at":
            return day - start == n
        if tm[2] == "after":
            return day - entered == n
        return day > entered and (day - entered) % n == 0

    def _pending(self, state: int, key: Key, x: Sequence[Any], careful: bool) -> bool:
        """A scheduled event or deadline of ``state`` can still become due with time."""
        day, start, entered = key[2], key[3], key[4]
        for tm in self.timed[state]:
            if tm[2] == "every":
                return True
            try:
                n = self._due_day(state, tm, x, careful)
            except RunError as exc:
                raise Failed(tm[0], exc) from None
            if n > (day - start if tm[2] == "at" else day - entered):
                return True
        return False

    def _enabled_risks(
        self, state: int, x: Sequence[Any], careful: bool
    ) -> list[tuple[RiskCand, Fraction]]:
        out = []
        failed: list[tuple[int, RunError]] = []
        for r in self.risks[state]:
            try:
                holds = self._guard(state, r[0], r[1], x) if careful else r[1] is None or r[1](x)
                p = self._chance(state, r, x, careful) if holds else 0
            except RunError as exc:  # every risk of the day is evaluated: all their errors
                failed.append((r[0], exc))
                continue
            if p:
                out.append((r, Fraction(p)))
        if failed:
            raise Failed(*failed[0], others=tuple(failed[1:]))
        return out

    def _chance(self, state: int, r: RiskCand, x: Sequence[Any], careful: bool) -> Fraction:
        if not careful:
            c, n = r[2](x), r[3](x)
            if n <= 0 or not 0 <= c <= n or n > MAX_RUN_VALUE:
                raise Slow
            return Fraction(c, n)
        t = self.scenario.transitions[r[0]]
        assert t.spec.risk is not None
        compiler = self._compilers[self._state_stages[state]]
        parts = []
        for field, f, text in (("chance", r[2], t.spec.risk.chance), ("in", r[3], t.spec.risk.in_)):
            path = ("transitions", t.index, "risk", field)
            through = lambda text=text: self._through(compiler, text, x)  # noqa: E731
            parts.append(
                integer(self.scenario, f, x, f"transition {t.name}: {field}", path, through)
            )
        c, n = parts
        if n <= 0 or not 0 <= c <= n:
            err = EvaluationError(
                f"transition {t.name}",
                f"a risk's chance must be between 0 and its 'in', which must be above 0 "
                f"(found {c} in {n})",
            )
            raise located(self.scenario, err, ("transitions", t.index, "risk", "chance"))
        return Fraction(c, n)

    def _find(self, state: int, index: int) -> Candidate:
        for c in self.table[state]:
            if c[0] == index:
                return c
        raise AssertionError(f"no decision {index} from state {state}")

    # -- taking a step ---------------------------------------------------------------------

    def take(self, key: Key, choice: Choice, careful: bool) -> Key:
        """The snapshot after ``choice`` (from `choices` of ``key``), quiet days folded in."""
        label, _, how, what = choice
        state, values, day, start, entered, _, fired = key
        x = (*values, day, day - start)
        if how == "timed":
            y = self._move(key, x, label, what[4], what[5], what[6], day, careful, 1 << label)
        elif how == "arrive":
            y = self._move(key, x, label, what[6], what[7], what[8], day, careful, arrive=True)
        elif how == "decision":
            c, d = what
            if d:
                y = (state, values, day, start, entered, (label, d), fired)
            else:
                y = self._move(key, x, label, c[6], c[7], c[8], day, careful)
        elif how == "risk":
            y = self._move(key, x, label, what[5], what[6], what[7], day + 1, careful)
        else:
            y = self._pass_day(key)
            self._invariants_on(y, label, careful)
        return self._fold(label, y, careful)

    def _move(
        self,
        key: Key,
        x: Sequence[Any],
        label: int,
        effects: tuple[Effect, ...],
        dest: int,
        same_stage: bool,
        day2: int,
        careful: bool,
        bit: int = 0,
        arrive: bool = False,
    ) -> Key:
        """A transition's effects (on ``x``) and destination, on day ``day2``."""
        state, values, day, start, entered, act, fired = key
        after = self._effects(state, label, effects, x, values, careful)
        start2 = start if same_stage else day2
        if dest != state:
            y: Key = (dest, after, day2, start2, day2 if self.tracks_entry[dest] else 0, None, 0)
        else:
            if arrive or act is None:
                act2: Activity = None
            else:
                act2 = (act[0], act[1] - (day2 - day))
            y = (state, after, day2, start2, entered, act2, fired | bit if day2 == day else 0)
        self._invariants_on(y, label, careful)
        return y

    def _effects(
        self,
        state: int,
        label: int,
        effects: tuple[Effect, ...],
        x: Sequence[Any],
        values: tuple[Value, ...],
        careful: bool,
    ) -> tuple[Value, ...]:
        if not effects:
            return values
        new = list(values)
        if not careful:
            for slot, f, low, high in effects:
                v = f(x)
                if low is not None and not low <= v <= high:
                    raise Slow
                new[slot] = v
            return tuple(new)
        from model.semantics.errors import evaluate

        t = self.scenario.transitions[label]
        where = f"transition {t.name}"
        compiler = self._compilers[self._state_stages[state]]
        for slot, f, _, _ in effects:  # every effect on the values before the step
            name = self.names[slot]
            text = t.spec.effects[name]
            through = lambda text=text: self._through(compiler, text, x)  # noqa: E731
            path = ("transitions", t.index, "effects", name)
            new[slot] = evaluate(self.scenario, f, x, f"{where}: effect on {name}", path, through)
        for slot, _, _, _ in effects:  # then bounds, in the same order
            name = self.names[slot]
            self._check_bounds(where, name, new[slot], ("transitions", t.index, "effects", name))
        return tuple(new)

    def _invariants_on(self, y: Key, label: int, careful: bool) -> None:
        """Invariants on a snapshot a step reaches, but for one at which an activity arrives
        at once (its arrival, in the same instant, is checked instead)."""
        invariants = self._invariants[y[0]]
        if not invariants or (y[5] is not None and y[5][1] == 0):
            return
        xy = (*y[1], y[2], y[2] - y[3])
        if careful:
            after = "days passing" if label == DAYS else f"transition {self._name(label)}"
            self.check_invariants(xy, after, y[0])
            return
        for _, f in invariants:
            if not f(xy):
                raise Slow

    def _name(self, label: int) -> str:
        return self.scenario.transitions[label].name

    @staticmethod
    def _pass_day(y: Key) -> Key:
        state, values, day, start, entered, act, _ = y
        return (state, values, day + 1, start, entered, act and (act[0], act[1] - 1), 0)

    # -- folding quiet days --------------------------------------------------------------

    def _fold(self, label: int, y: Key, careful: bool) -> Key:
        """``y`` with the quiet days after it passed (and the activity ``label`` arriving,
        when it is the one under way)."""
        while True:
            act = y[5]
            if act is not None and act[1] and self.quiet_never[y[0]] and act[0] == label:
                # Nothing can interrupt an activity in a state without risks or scheduled
                # events: its days pass in one go (each checked where invariants read the
                # clock, the only thing that changes on them).
                state, values, day, start, entered, _, _ = y
                if self.clock_invariants:
                    for k in range(1, act[1]):
                        self._invariants_on(
                            (state, values, day + k, start, entered, (label, act[1] - k), 0),
                            label,
                            careful,
                        )
                y = (state, values, day + act[1], start, entered, (label, 0), 0)
                act = y[5]
            if act is not None and act[1] == 0:
                if act[0] != label or self._due_any(y):
                    return y
                state, values, day, start = y[0], y[1], y[2], y[3]
                c = self._find(state, label)
                x = (*values, day, day - start)
                y = self._move(y, x, label, c[6], c[7], c[8], day, careful, arrive=True)
                continue
            if not self._quiet(y):
                return y
            y = self._pass_day(y)
            self._invariants_on(y, label, careful)

    def _due_any(self, y: Key) -> bool:
        """Some scheduled event or deadline is due now and its guard holds (or deciding it
        raises)."""
        state = y[0]
        if not self.timed[state]:
            return False
        x = (*y[1], y[2], y[2] - y[3])
        try:
            for tm in self.timed[state]:
                if (
                    not y[6] >> tm[0] & 1
                    and self._due(state, tm, y, x, False)
                    and (tm[1] is None or tm[1](x))
                ):
                    return True
        except (ArithmeticError, Slow):
            return True
        return False

    def _quiet(self, y: Key) -> bool:
        """Rule 4 applies to ``y`` with no risk active on the coming day (see the rules)."""
        state, values, day, start, _, act, _ = y
        if self._outcomes[state] is not None or day >= self.horizon:
            return False
        if act is None and self.quiet_never[state]:
            return False  # nothing can be pending: no time passes without a step
        x = (*values, day, day - start)
        try:
            if self._due_any(y):
                return False
            if act is None and enabled(self.table[state], x, self.horizon - day)[0]:
                return False
            risks = self._enabled_risks(state, x, False)
            week = (day + 1 - start) % 7 == 0
            if any(week or not r[4] for r, _ in risks):
                return False
            return act is not None or bool(risks) or self._pending(state, y, x, False)
        except (ArithmeticError, Slow):
            return False
