"use strict";
// The room's other moments, for both pages: the participant's backlog vote, and the facilitator's segment names,
// backlog vote and business case panels. Every save is acknowledged only once the room has it on disk.
window.cxmMoments = (() => {
  const { el, call, time } = window.cxmRoom;
  const money = (x) => (x === null || x === undefined ? "–" : Math.round(x).toLocaleString());
  const pair = (a, b, show) => (a === b ? show(a) : `${show(a)} → ${show(b)}`);

  // the same rule as the room's (methods/backlog_scores.py): a one-line reason, or "" when the value may be saved
  function refusal(rule, text) {
    const typed = String(text).trim().replace(",", ".");
    if (!typed) return "";
    const number = Number(typed);
    if (!Number.isFinite(number)) return `${rule.name} must be a number (${rule.rule}); got '${typed.slice(0, 20)}'.`;
    const low = rule.low === null ? -Infinity : rule.low, high = rule.high === null ? Infinity : rule.high;
    const ok = (rule.low_open ? number > low : number >= low) && number <= high;
    return ok ? "" : `${rule.name} must be ${rule.rule}; got ${number}.`;
  }

  // ---- a participant's vote: each item's scores, their own; a second tap takes a choice back
  function vote(app, header, data) {
    const rules = data.rules, typed = new Map();  // an effort being typed is saved after a pause, as well as on leaving the box
    const mine = (id) => (data.votes[id] = data.votes[id] || {});
    const done = () => data.items.filter((i) => rules.every((r) => (mine(i.id)[r.name] || "") !== "")).length;
    const count = el("span", { class: "count" }, `${done()} of ${data.items.length} voted`);
    async function save(item, rule, value, line) {
      const problem = rule.kind === "number" ? refusal(rule, value) : "";
      if (problem) { line.className = "status problem"; line.textContent = problem; return false; }
      line.className = "status saving"; line.textContent = "Saving…";
      try {
        await call("/api/vote", { id: item.id, score: rule.name, value });
        mine(item.id)[rule.name] = String(value);
        line.className = "status saved"; line.textContent = `Saved ${time()}`;
        count.textContent = `${done()} of ${data.items.length} voted`;
        return true;
      } catch (error) {
        line.className = "status problem"; line.textContent = error.message;
        return false;
      }
    }
    const cards = data.items.map((item) => {
      const line = el("p", { class: "status", role: "status" });
      const rows = rules.map((rule) => {
        const given = mine(item.id)[rule.name] || "";
        if (rule.kind === "choice") {
          const options = rule.choices.filter(([, text]) => text);
          const group = el("div", { class: `choices n${options.length}` }, options.map(([label, text]) => el("button", {
            type: "button", class: "level", "aria-pressed": given === text ? "true" : "false", title: label,
            onclick: async (e) => {
              const button = e.currentTarget, again = mine(item.id)[rule.name] === text;
              if (await save(item, rule, again ? "" : text, line)) {
                group.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", "false"));
                if (!again) button.setAttribute("aria-pressed", "true");
              }
            },
          }, el("b", {}, label.split(" · ")[0]), label.includes(" · ") ? el("small", {}, label.split(" · ")[1]) : null)));
          return el("div", { class: "vote-row", role: "group", "aria-label": `${rule.label} of ${item.title}` }, el("span", { class: "label" }, rule.label), group);
        }
        const id = `${rule.name}-${item.id}`.replace(/[^A-Za-z0-9_-]/g, "_");
        const box = el("input", { id, type: "text", inputmode: "decimal", value: given, placeholder: rule.unit || "number", "aria-describedby": `${id}-help`,
          onchange: (e) => save(item, rule, e.target.value, line),
          oninput: (e) => { clearTimeout(typed.get(id)); typed.set(id, setTimeout(() => save(item, rule, e.target.value, line), 800)); } });
        return el("div", { class: "vote-row" }, el("label", { class: "label", for: id }, rule.label),
          el("div", { class: "number" }, box, el("small", { id: `${id}-help`, class: "note" }, rule.rule)));
      });
      return el("section", { class: "card item" },
        el("p", { class: "eyebrow" }, `From the ${item.source.replaceAll("_", " ")}`), el("h2", {}, item.title), rows, line);
    });
    app.replaceChildren(header(count), el("div", { class: "moment" },
      el("div", { class: "card" }, el("h1", {}, "Vote on the backlog"),
        el("p", { class: "note" }, `Your own vote on each item: value from 1 (little) to 5 (a lot), effort in team-months, and how confident you are (below ${Math.round(100 * data.min_confidence)}% an initiative waits and sees). Tap a choice again to take it back. Each vote is saved as you give it; the room's score is the middle of everyone's votes.`)),
      cards));
  }

  // ---- the facilitator: segment names
  async function segments(box, redraw) {
    const data = await call("/api/segments");
    if (data.missing) return box.replaceChildren(el("div", { class: "card" }, el("h2", {}, "Segment names"), el("p", { class: "problem" }, data.missing)));
    const named = data.segments.filter((s) => s.confirmed).length;
    const cards = data.segments.map((s) => {
      const line = el("p", { class: "status", role: "status" });
      const name = el("input", { id: `name-${s.segment}`, maxlength: 80, value: s.name, placeholder: "not named yet: type a name, or accept the suggestion" });
      async function save(given, portrait) {
        line.className = "status saving"; line.textContent = "Saving…";
        try {
          await call("/api/segments", { segment: s.segment, name: given, pen_portrait: portrait, objective: s.objective });
          redraw();
        } catch (error) { line.className = "status problem"; line.textContent = error.message; }
      }
      return el("section", { class: s.confirmed ? "card segment confirmed" : "card segment" },
        el("p", { class: "eyebrow" }, `Segment ${s.segment} · ${s.size.toLocaleString()} respondents (${Math.round(100 * s.share)}%)`),
        s.confirmed ? el("h2", {}, s.name, el("span", { class: "tag target" }, "confirmed")) : el("h2", { class: "unconfirmed" }, "Not named yet"),
        s.confirmed && s.pen_portrait ? el("p", {}, s.pen_portrait) : null,
        el("p", { class: "suggestion" }, !s.confirmed ? "Suggested, not yet accepted: " : s.name === s.suggested_name ? "Accepted from the suggestion: " : "The suggestion was: ",
          el("b", {}, s.suggested_name), ". ", s.suggested_portrait),
        el("label", { for: `name-${s.segment}` }, "The room's name"), name,
        el("div", { class: "moves" },
          el("button", { type: "button", disabled: s.confirmed && s.name === s.suggested_name, onclick: () => save(s.suggested_name, s.pen_portrait || s.suggested_portrait) }, "Accept the suggestion"),
          el("button", { type: "button", class: "primary", onclick: () => save(name.value, s.pen_portrait) }, "Save this name"), line));
    });
    box.replaceChildren(el("div", { class: "card" }, el("h2", {}, `Name the segments · ${named} of ${data.segments.length} named`),
      el("p", { class: "note" }, "A suggestion stays a suggestion, in grey, until the room accepts it or types its own name. Workbook 03 uses the confirmed names at the next run.")),
    el("div", { class: "cards" }, cards));
  }

  // ---- the facilitator: the vote, each item's median, accepted into the backlog's answers
  async function backlog(box, redraw) {
    const data = await call("/api/backlog");
    if (data.missing) return box.replaceChildren(el("div", { class: "card" }, el("h2", {}, "Backlog vote"), el("p", { class: "problem" }, data.missing)));
    const label = (rule, text) => {
      if (text === "") return "–";
      const c = rule.choices.find(([, t]) => t === text);
      return c ? c[0].split(" · ")[0] : rule.name === "confidence" ? `${Math.round(100 * Number(text))}%` : text;
    };
    const line = el("p", { class: "status", role: "status" });
    async function accept(ids) {
      line.className = "status saving"; line.textContent = "Saving…";
      try {
        for (const id of ids) await call("/api/backlog/accept", { id });
        redraw();
      } catch (error) { line.className = "status problem"; line.textContent = error.message; }
    }
    const voted = data.items.filter((i) => i.votes > 0);
    const rows = data.items.map((i) => el("tr", {},
      el("td", {}, el("b", {}, i.title), el("br"), el("small", { class: "note" }, i.id)),
      el("td", { class: "num", "data-label": "Votes" }, String(i.votes)),
      data.rules.map((r) => el("td", { "data-label": r.label },
        el("b", {}, label(r, i.median[r.name])),
        i.spread[r.name].length > 1 ? el("small", { class: "note" }, ` (${i.spread[r.name].join(", ")})`) : null,
        el("br"), el("small", { class: i.accepted[r.name] ? "saved" : "note" }, i.accepted[r.name] ? `in the backlog: ${label(r, i.accepted[r.name])}` : `now: ${label(r, i.now[r.name])}`))),
      el("td", {}, el("button", { type: "button", disabled: i.votes === 0, onclick: () => accept([i.id]) }, "Accept"))));
    box.replaceChildren(el("div", { class: "card" },
      el("h2", {}, `Backlog vote · ${data.voters} voting`),
      el("p", { class: "note" }, "Each item's score is the middle of the votes (for a choice, the lower middle vote, so it is always one of the choices). Accept writes it to the workshop's backlog scores, which the road map (workbook 05) reads at the next run."),
      el("div", { class: "moves" }, el("button", { type: "button", class: "primary", disabled: !voted.length, onclick: () => accept(voted.map((i) => i.id)) }, `Accept all ${voted.length} voted`), line),
      el("table", { class: "votes" }, el("thead", {}, el("tr", {}, el("th", {}, "Item"), el("th", { class: "num" }, "Votes"), data.rules.map((r) => el("th", {}, r.label)), el("th", {}, ""))), el("tbody", {}, rows))));
  }

  // ---- the facilitator: one assumption changed, what moved, the road map from it
  const state = { name: null, value: "", note: "", moved: null };
  async function businessCase(box, fresh) {
    box.replaceChildren(el("div", { class: "card" }, el("p", { class: "note" }, "Computing the business case…")));
    const data = await call(`/api/case${fresh ? "?fresh=1" : ""}`);
    if (data.missing) return box.replaceChildren(el("div", { class: "card" }, el("h2", {}, "Business case"), el("p", { class: "problem" }, data.missing)));
    const by = Object.fromEntries(data.assumptions.map((a) => [a.name, a]));
    if (!state.name || !by[state.name]) { state.name = data.assumptions[0].name; state.value = ""; state.moved = null; }
    const groups = [...new Set(data.assumptions.map((a) => a.group))];
    const pick = el("select", { id: "assumption", onchange: (e) => { state.name = e.target.value; state.value = ""; state.moved = null; draw(); } },
      groups.map((g) => el("optgroup", { label: g }, data.assumptions.filter((a) => a.group === g).map((a) => el("option", { value: a.name }, `${a.description}${a.saved ? " (changed by the room)" : ""}`)))));
    const panel = el("div", {});
    const result = el("div", {});
    let timer = null;
    function draw() {
      pick.value = state.name;
      const a = by[state.name];
      const number = el("input", { id: "value", type: "number", step: "any", min: a.low, max: a.high, value: state.value === "" ? fmt(a.value).replaceAll(",", "") : state.value,
        oninput: (e) => { state.value = e.target.value; clearTimeout(timer); timer = setTimeout(show, 350); } });
      const reason = el("input", { id: "why", maxlength: 2000, value: state.note, placeholder: "why the room changed it (quoted in the report)", oninput: (e) => { state.note = e.target.value; } });
      const line = el("p", { class: "status", role: "status" });
      panel.replaceChildren(
        el("p", { class: "note" }, `${a.description}, in ${a.unit}. Range ${fmt(a.low)} to ${fmt(a.high)}; now ${fmt(a.value)}.`),
        el("div", { class: "case-form" },
          el("div", {}, el("label", { for: "value" }, "New value"), number),
          el("div", { class: "grow" }, el("label", { for: "why" }, "Reason"), reason)),
        el("div", { class: "moves" },
          el("button", { type: "button", class: "primary", onclick: async () => {
            line.className = "status saving"; line.textContent = "Saving…";
            try { await call("/api/case/save", { name: a.name, value: number.value, note: reason.value }); line.className = "status saved"; line.textContent = `Saved to the workshop's assumptions ${time()}; the next run makes it official.`; a.saved = true; }
            catch (error) { line.className = "status problem"; line.textContent = error.message; }
          } }, "Save this value"),
          el("button", { type: "button", onclick: () => { state.moved = null; state.value = ""; businessCase(box, true); } }, "Start again from the saved assumptions"),
          line));
      if (state.moved) moved(state.moved); else show();
    }
    let asked = 0;
    async function show() {
      const a = by[state.name], value = state.value === "" ? a.value : state.value, mine = ++asked;
      result.setAttribute("aria-busy", "true");
      try {
        const answer = await call("/api/case/moved", { name: a.name, value });
        if (mine === asked) { state.moved = answer; moved(answer); }  // an older answer arriving late is dropped
      } catch (error) {
        if (mine === asked) result.replaceChildren(el("p", { class: "status problem", role: "status" }, error.message));
      }
      if (mine === asked) result.removeAttribute("aria-busy");
    }
    function moved(m) {
      const changed = m.rows.filter((r) => r.moved || r.npv_before !== r.npv_after || r.cash_npv_before !== r.cash_npv_after);
      const inout = (b) => (b ? "in" : "out");
      const rows = changed.map((r) => el("tr", { class: r.moved ? "moved" : "" },
        el("td", {}, r.kind === "option" ? `Option: ${r.name.replaceAll("_", " ")}` : r.name),
        el("td", { class: "num", "data-label": "NPV" }, pair(r.npv_before, r.npv_after, money)),
        el("td", { class: "num", "data-label": "Cash NPV" }, pair(r.cash_npv_before, r.cash_npv_after, money)),
        el("td", { "data-label": "Value for money" }, pair(r.vfm_before, r.vfm_after, String)),
        el("td", { "data-label": "Preferred package" }, r.kind === "option" ? null : pair(inout(r.preferred_before), inout(r.preferred_after), String)),
        el("td", { "data-label": "What moved" }, r.what || null)));
      const n = m.rows.filter((r) => r.moved).length;
      const road = m.roadmap.missing ? el("p", { class: "problem" }, m.roadmap.missing) : m.roadmap.items.length
        ? el("table", { class: "moved-table" }, el("thead", {}, el("tr", {}, el("th", {}, "Item"), el("th", {}, "Rank"), el("th", {}, "Horizon"), el("th", {}, "Starts"))),
          el("tbody", {}, m.roadmap.items.map((i) => el("tr", {}, el("td", {}, i.title),
            el("td", { "data-label": "Rank" }, pair(i.rank_before, i.rank_after, String)),
            el("td", { "data-label": "Horizon" }, pair(i.horizon_before, i.horizon_after, String)),
            el("td", { "data-label": "Starts" }, pair(i.start_quarter_before || "–", i.start_quarter_after || "–", String))))))
        : el("p", { class: "note" }, `No item of the road map's ${m.roadmap.total} changes rank, horizon or start.`);
      result.replaceChildren(
        el("h3", {}, `What moved · ${n} change${n === 1 ? "" : "s"} of category, sign or package`),
        changed.length ? el("table", { class: "moved-table" }, el("thead", {}, el("tr", {}, ["", "NPV", "Cash NPV", "Value for money", "Preferred package", "What moved"].map((h) => el("th", {}, h)))), el("tbody", {}, rows))
          : el("p", { class: "note" }, "No initiative's or option's figures change."),
        el("h3", {}, "The road map from it"), road,
        el("p", { class: "small" }, `Against the business case as computed at ${data.computed_at}${data.price_base ? ` (${data.price_base})` : ""}: central values, no simulation. The road map is workbook 05 run again with the changed appraisal. Nothing here is saved until you save the value.`));
    }
    box.replaceChildren(el("div", { class: "card" }, el("h2", {}, "Change an assumption"), el("label", { for: "assumption" }, "Assumption"), pick, panel, result));
    draw();
  }
  const fmt = (x) => (x === null ? "–" : Math.abs(x) >= 100 ? Math.round(x).toLocaleString() : Number(x.toPrecision(4)).toString());

  return { vote, segments, backlog, businessCase, refusal };
})();
