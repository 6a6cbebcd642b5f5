// The explorer page's script (ceasefire-model, MIT licence; no third-party code).
// It reads the data document embedded in the page (schema: explorer.schema.json) and only
// shows it: every step, reason and probability was computed in Python from the explored
// graph. Nothing here decides what can happen.
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("explorer-data").textContent);
  var snaps = data.snapshots;
  var steps = data.steps;
  var start = 0;
  // history: the steps taken, each {from: snapshot, step: index into steps}
  var history = [];
  var ended = null; // the message of a step that broke a rule, once taken

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  // Text with `code` spans as <code> (never parsed as HTML).
  function rich(text) {
    var span = el("span");
    text.split("`").forEach(function (part, i) {
      if (!part) return;
      span.appendChild(i % 2 ? el("code", { text: part }) : document.createTextNode(part));
    });
    return span;
  }

  function current() {
    return history.length ? steps.target[history[history.length - 1].step] : start;
  }

  function stepsOf(i) {
    var out = [];
    for (var k = snaps.first_step[i]; k < snaps.first_step[i + 1]; k++) out.push(k);
    return out;
  }

  function stepError(k) {
    for (var j = 0; j < data.step_errors.length; j++) {
      if (data.step_errors[j].step === k) return data.step_errors[j].message;
    }
    return "this step breaks a rule of the scenario";
  }

  function show(value) {
    return typeof value === "boolean" ? (value ? "true" : "false") : String(value);
  }

  function percent(part, whole) {
    var x = part / whole;
    if (x >= 1) return "100%";
    if (x < 0.001) return (x * 100).toPrecision(2) + "%";
    return (x * 100).toFixed(1) + "%";
  }

  function eventName(e) {
    return e.actor_label + ": " + e.label;
  }

  function render(focusFirst) {
    var i = current();
    var state = data.states[snaps.state[i]];
    var stage = state.stage === null ? null : data.stages[state.stage];
    document.getElementById("state").textContent = state.label + (state.label !== state.id ? " (" + state.id + ")" : "");
    document.getElementById("state").setAttribute("data-id", state.id);
    document.getElementById("stage").textContent = stage ? stage.label : "—";
    document.getElementById("day").textContent = snaps.day[i] + (stage ? " (day " + snaps.stage_day[i] + " of the stage)" : "");
    document.getElementById("day").setAttribute("data-day", String(snaps.day[i]));
    var here = stepsOf(i);
    var status;
    if (ended !== null) status = "ended: a step broke a rule: " + ended;
    else if (state.ending !== null) status = "ended: " + data.endings[state.ending].label;
    else if (!here.length) status = "ended: no event can happen";
    else status = history.length + (history.length === 1 ? " step" : " steps") + " taken";
    document.getElementById("status").textContent = status;
    renderDiagram(i, here);
    renderEvents(i, here, focusFirst);
    renderOdds(i);
    renderVariables(i);
    renderBlocked(i);
    renderHistory();
    document.getElementById("undo").disabled = !history.length;
    document.getElementById("reset").disabled = !history.length;
    var can = ended === null && here.length > 0;
    document.getElementById("play").disabled = !can;
    document.getElementById("step-random").disabled = !can;
  }

  function renderDiagram(i, here) {
    var nodes = document.querySelectorAll("g.node");
    for (var n = 0; n < nodes.length; n++) nodes[n].classList.remove("current", "next");
    here.forEach(function (k) {
      var t = steps.target[k];
      if (t >= 0) {
        var g = document.getElementById("state-" + snaps.state[t]);
        if (g) g.classList.add("next");
      }
    });
    var g = document.getElementById("state-" + snaps.state[i]);
    if (g) {
      g.classList.remove("next");
      g.classList.add("current");
    }
  }

  function renderEvents(i, here, focusFirst) {
    var list = document.getElementById("enabled");
    list.textContent = "";
    if (ended !== null) return;
    var total = 0;
    here.forEach(function (k) { total += steps.weight[k]; });
    here.forEach(function (k) {
      var e = data.events[steps.event[k]];
      var target = steps.target[k];
      var to = target >= 0 ? data.states[snaps.state[target]].label : "breaks a rule";
      var button = el("button", {
        type: "button", "class": "fire", "data-event": e.name, "data-step": String(k),
      }, [el("strong", { text: eventName(e) }), document.createTextNode(" → " + to)]);
      button.addEventListener("click", function () { fire(k); });
      var item = el("li", {}, [button]);
      var facts = el("ul", { "class": "facts" });
      facts.appendChild(el("li", { text: "chance of being next: " + percent(steps.weight[k], total) + " (weight " + steps.weight[k] + " of " + total + ")" }));
      if (e.timing) facts.appendChild(el("li", { text: "timing: " + e.timing }));
      e.guard.forEach(function (g) { facts.appendChild(el("li", {}, [rich(g)])); });
      e.source.forEach(function (s) { facts.appendChild(el("li", { "class": "source", text: s })); });
      if (target < 0) facts.appendChild(el("li", { "class": "error", text: stepError(k) }));
      item.appendChild(facts);
      list.appendChild(item);
    });
    if (!here.length) list.appendChild(el("li", { text: "Nothing: the run has ended (see Status)." }));
    if (focusFirst) {
      var first = list.querySelector("button");
      (first || document.getElementById("undo")).focus();
    }
  }

  function renderOdds(i) {
    var body = document.querySelector("#odds tbody");
    body.textContent = "";
    var row;
    var note = document.getElementById("odds-note");
    if (ended !== null) {
      note.textContent = "The run has ended with an error.";
      return;
    }
    if (snaps.odds) {
      row = data.odds_rows[snaps.odds[i]];
      note.textContent = "Exact, from this snapshot, choosing by the weights from here on.";
    } else {
      row = data.sampled.odds;
      note.textContent = "Monte Carlo figures from the start (" + data.sampled.runs + " runs, seed " + data.sampled.seed + ", 95% intervals), whatever the snapshot: the exact odds per snapshot are not embedded (see the note above).";
    }
    data.endings.forEach(function (end, n) {
      var p = row[n];
      if (end.kind === "no_outcome" && p.p === 0) return; // only the ways runs can end
      body.appendChild(el("tr", { "data-ending": end.kind + ":" + end.id }, [
        el("th", { scope: "row", text: end.label }),
        el("td", { "class": "p", text: p.t }),
        el("td", { "class": "x", text: p.x === null ? (p.p ? "(long fraction; " + p.p + ")" : "0") : p.x }),
      ]));
    });
  }

  function renderVariables(i) {
    var body = document.querySelector("#variables tbody");
    body.textContent = "";
    var values = data.value_rows[snaps.values[i]];
    var before = history.length ? data.value_rows[snaps.values[history[history.length - 1].from]] : values;
    data.variables.forEach(function (v, n) {
      var changed = before[n] !== values[n];
      body.appendChild(el("tr", { "data-variable": v.id, "class": changed ? "changed" : "" }, [
        el("th", { scope: "row", text: v.label + (v.label !== v.id ? " (" + v.id + ")" : "") }),
        el("td", { "data-value": show(values[n]), text: show(values[n]) + (changed ? " (was " + show(before[n]) + ")" : "") }),
      ]));
    });
  }

  function renderBlocked(i) {
    var list = document.getElementById("blocked");
    list.textContent = "";
    if (ended !== null) return;
    data.disabled_sets[snaps.disabled[i]].forEach(function (d) {
      var e = data.events[d.event];
      var item = el("li", { "data-event": e.name }, [el("strong", { text: eventName(e) })]);
      var facts = el("ul", { "class": "facts" });
      data.reasons[d.why].forEach(function (line) { facts.appendChild(el("li", {}, [rich(line)])); });
      e.never.forEach(function (line) { facts.appendChild(el("li", { "class": "never" }, [rich("In no run: " + line)])); });
      item.appendChild(facts);
      list.appendChild(item);
    });
    if (!list.children.length) {
      var ended_here = data.states[snaps.state[i]].ending !== null;
      list.appendChild(el("li", { text: ended_here ? "None: the run has ended in an outcome." : "None: every event of this state that can happen now is listed above." }));
    }
  }

  function renderHistory() {
    var list = document.getElementById("history");
    list.textContent = "";
    history.forEach(function (h) {
      var e = data.events[steps.event[h.step]];
      var target = steps.target[h.step];
      var to = target >= 0 ? data.states[snaps.state[target]].label : "error";
      list.appendChild(el("li", { text: "day " + snaps.day[h.from] + " · " + eventName(e) + " → " + to }));
    });
  }

  function fire(k) {
    var from = current();
    history.push({ from: from, step: k });
    if (steps.target[k] < 0) ended = stepError(k);
    render(true);
  }

  // A small seeded generator (mulberry32): the page's random runs are reproducible, though
  // not the same runs as `python -m model.simulate --seed` (which uses Python's generator).
  function generator(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function randomStep(rand) {
    var here = stepsOf(current());
    if (ended !== null || !here.length) return false;
    var total = 0;
    here.forEach(function (k) { total += steps.weight[k]; });
    var r = Math.floor(rand() * total);
    for (var n = 0; n < here.length; n++) {
      if (r < steps.weight[here[n]]) break;
      r -= steps.weight[here[n]];
    }
    var k = here[Math.min(n, here.length - 1)];
    history.push({ from: current(), step: k });
    if (steps.target[k] < 0) ended = stepError(k);
    return true;
  }

  function seedValue() {
    var v = parseInt(document.getElementById("seed").value, 10);
    return isNaN(v) ? 0 : v;
  }

  var rand = generator(seedValue());
  document.getElementById("seed").addEventListener("change", function () { rand = generator(seedValue()); });
  document.getElementById("step-random").addEventListener("click", function () { randomStep(rand); render(false); });
  document.getElementById("play").addEventListener("click", function () {
    var n = 0;
    while (n < 5000 && randomStep(rand)) n++;
    render(false);
  });
  document.getElementById("undo").addEventListener("click", function () {
    history.pop();
    ended = null;
    render(true);
  });
  document.getElementById("reset").addEventListener("click", function () {
    history = [];
    ended = null;
    rand = generator(seedValue());
    render(true);
  });

  if (data.note) {
    var note = document.getElementById("note");
    note.appendChild(rich(data.note));
    note.hidden = false;
  }
  if (!snaps) {
    document.getElementById("events").hidden = true;
    document.getElementById("variables-box").hidden = true;
    document.getElementById("blocked-box").hidden = true;
    document.getElementById("history-box").hidden = true;
    document.getElementById("where").hidden = true;
    ended = "";
    renderOdds(0);
    return;
  }
  render(false);
  document.body.setAttribute("data-ready", "true");
})();
