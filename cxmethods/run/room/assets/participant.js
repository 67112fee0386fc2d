"use strict";
// The participant's page: join with a name and role, then score each dimension (today, target, evidence).
// Every change is sent at once; the page says "Saved" only when the room has it on disk. Unsent changes are
// kept in this browser (localStorage) and sent again, so a dropped Wi-Fi loses nothing.
(() => {
  const { el, call, joinForm, time, radar } = window.cxmRoom;
  const app = document.getElementById("app");
  let room = null;          // what /api/me returned
  let index = 0;            // the dimension on screen
  let active = "current";   // the row the keys 1-5 set
  let shown = null;         // the level whose descriptor is shown on a narrow screen
  let sending = false;
  let typing = null;        // the evidence box's timer
  // changes not yet acknowledged, kept in this browser under this room's and this participant's own key, so a
  // shared laptop never replays one person's answers as another's
  let unsent = new Map(), backup = null;

  function keep() { if (backup) localStorage.setItem(backup, JSON.stringify([...unsent])); }

  async function start() {
    try {
      room = await call("/api/me");
    } catch (error) {
      app.replaceChildren(el("p", { class: "problem" }, error.message, ". Reload the page to try again."));
      return;
    }
    if (!room.joined) {
      return joinForm(app, `${room.organisation}: self-assessment. Your scores are saved as you give them; only you see your own answers here.`, start);
    }
    backup = `cxm-room-unsent:${location.host}:${room.link}`;
    unsent = new Map(JSON.parse(localStorage.getItem(backup) || "[]"));
    for (const [id, fields] of unsent) Object.assign(answer(id), fields);  // what this browser had not sent yet
    const wanted = Number((location.hash.match(/^#(\d+)$/) || [])[1]);
    index = wanted >= 1 && wanted <= room.dimensions.length ? wanted - 1 : firstUnanswered();
    try { moment = seen = (await call("/api/moment")).moment; } catch (error) { moment = "scoring"; }
    await show();
    send();
    follow();
  }

  // ---- the room's moment: the page follows the facilitator's choice (asked every few seconds)
  let moment = "scoring", seen = "scoring", following = false;  // what this page shows; what the room is on
  async function follow() {
    if (following) return;
    following = true;
    for (;;) {
      await new Promise((done) => setTimeout(done, 3000));
      try {
        const now = (await call("/api/moment")).moment;
        if (now !== seen && !typing) { moment = seen = now; await show(); }
        else if (moment === "backlog" && !document.querySelector(".vote-row")) await show();  // the vote had not opened yet: ask again
      } catch (error) { /* the room is out of reach for a moment: keep the page as it is, ask again */ }
    }
  }

  async function show() {
    if (moment === "scoring") return draw();
    const who = (count) => el("header", { class: "bar" }, el("span", { class: "who" }, `${room.participant.name} · ${room.participant.role}`), count || null);
    if (moment === "backlog") {
      try {
        const data = await call("/api/backlog?mine=1");
        if (!data.missing) return window.cxmMoments.vote(app, who, data);
      } catch (error) { /* said below */ }
    }
    const names = { segments: "naming the segments", backlog: "the backlog vote", business_case: "the business case" };
    app.replaceChildren(who(), el("div", { class: "moment" }, el("section", { class: "card" },
      el("h1", {}, "Look up: the room is on ", names[moment] || moment),
      el("p", { class: "note" }, moment === "backlog" ? "The vote opens in a moment." : "The facilitator leads this part on the shared screen; nothing to do on this device. Your scores are saved."),
      el("button", { type: "button", onclick: () => { moment = "scoring"; draw(); } }, "Back to my scores"))));
  }

  const answer = (id) => (room.answers[id] = room.answers[id] || { current: "", target: "", evidence: "" });
  const done = (a) => Boolean(a && a.current && a.target);
  const answered = () => room.dimensions.filter((d) => done(room.answers[d.id])).length;
  function firstUnanswered() {
    const i = room.dimensions.findIndex((d) => !done(room.answers[d.id]));
    return i < 0 ? 0 : i;
  }

  // a change goes into the backup at once (a reload or a closed tab keeps it), then to the room
  function stage(fields) {
    const id = room.dimensions[index].id;
    Object.assign(answer(id), fields);
    unsent.set(id, { ...(unsent.get(id) || {}), ...fields });
    keep();
  }

  function change(fields) {
    stage(fields);
    send();
  }

  function flushTyping() {
    if (typing) { clearTimeout(typing); typing = null; send(); }
  }

  async function send() {
    if (sending) return;
    sending = true;
    while (unsent.size) {
      // a change stays in the backup until the room has it on disk; one made meanwhile replaces the entry
      // (change() makes a new object holding both), and is sent next time round
      const [id, fields] = unsent.entries().next().value;
      status("saving", "Saving…");
      try {
        await call("/api/answer", { dimension_id: id, ...fields });
        if (unsent.get(id) === fields) unsent.delete(id);
        keep();
        if (!unsent.size) status("saved", `Saved ${time()}`);
      } catch (error) {
        if (error.status === 422) {  // refused: say why; the rest of the answer was never at risk
          if (unsent.get(id) === fields) unsent.delete(id);
          keep();
          status("problem", error.message);
          continue;
        }
        if (error.status === 401) { sending = false; return start(); }  // not (or no longer) in the room: join again
        status("problem", `Not saved yet: ${error.message}. Kept on this device; trying again.`);
        sending = false;
        setTimeout(send, 2000);
        return;
      }
    }
    sending = false;
    progress();
  }

  function status(kind, text) {
    const line = document.getElementById("status");
    if (line) { line.className = `status ${kind}`; line.textContent = text; }
  }

  function progress() {
    const count = document.getElementById("count"), bar = document.getElementById("meter");
    const n = answered(), total = room.dimensions.length;
    if (count) count.textContent = (n === total ? `All ${total} scored. Thank you` : `${n} of ${total} scored`) + (unsent.size ? " (saving…)" : "");
    const note = document.getElementById("saved-note");
    if (note) note.textContent = savedNote();
    if (bar) bar.style.width = `${(100 * n) / total}%`;
    const chart = document.getElementById("radar");
    if (chart) chart.replaceChildren(myRadar(document.getElementById("evidence") ? index : -1, 300));
  }

  function savedNote() {
    return unsent.size
      ? `${unsent.size} of your changes are not saved yet: keep this page open; they are sent as soon as the room can be reached.`
      : "Pick any dimension to change your answer. Your answers are saved; you can close this page.";
  }

  function myRadar(highlight, size) {
    const levels = (which) => room.dimensions.map((d) => Number((room.answers[d.id] || {})[which]) || null);
    return radar(room.dimensions.map((d) => d.name), [
      { values: levels("target"), className: "target" },
      { values: levels("current"), className: "current" },
    ], { size, highlight, label: "Your scores: today (blue) and target (green) on every dimension, numbered as in the list" });
  }

  function legend() {
    return el("p", { class: "legend" }, el("span", {}, el("i", { class: "key current" }), "Today"), el("span", {}, el("i", { class: "key target" }), "Target"),
      el("span", {}, "Numbers: the dimensions in order"));
  }

  function header() {
    const total = room.dimensions.length;
    return el("header", { class: "bar" },
      el("span", { class: "who" }, `${room.participant.name} · ${room.participant.role}`),
      el("span", { id: "count", class: "count" }, `${answered()} of ${total} scored`),
      el("div", { class: "meter", "aria-hidden": "true" }, el("i", { id: "meter", style: `width:${(100 * answered()) / total}%` })));
  }

  function levelRow(which, label, a) {
    const buttons = room.level_names.map((name, i) => {
      const level = String(i + 1);
      return el("button", {
        type: "button", class: "level", "aria-pressed": a[which] === level ? "true" : "false", "data-level": level,
        title: `${level} · ${name}`,
        onclick: () => pick(which, level),
        onmouseenter: () => describe(level), onfocus: () => describe(level),
      }, el("b", {}, level), el("small", {}, name));
    });
    return el("div", { class: `row ${which}${active === which ? " active" : ""}`, role: "group", "aria-label": label },
      el("button", { type: "button", class: "label", onclick: () => { active = which; draw(); } }, label),
      el("div", { class: "levels" }, buttons));
  }

  // a second click on a chosen level takes it back; a key only ever sets one, so a stray key press clears nothing
  function pick(which, level, byKey) {
    const a = answer(room.dimensions[index].id);
    change({ [which]: !byKey && a[which] === level ? "" : level });
    if (which === "current" && a.current) active = "target";
    shown = level;
    draw();
    if (!byKey) { const again = document.querySelector(`.row.${which} .level[data-level="${level}"]`); if (again) again.focus(); }
  }

  function describe(level) {
    shown = level;
    const box = document.getElementById("descriptor");
    if (box) box.replaceChildren(...descriptor(room.dimensions[index], level));
  }

  function descriptor(d, level) {
    if (!level) return [el("span", { class: "note" }, "Tap a level to read what it means; tap another to change your mind.")];
    return [el("b", {}, `${level} · ${room.level_names[level - 1]}: `), d.levels[level - 1]];
  }

  function draw() {
    const d = room.dimensions[index], a = answer(d.id), total = room.dimensions.length;
    history.replaceState(null, "", `#${index + 1}`);
    const evidence = el("textarea", { id: "evidence", rows: 3, maxlength: 2000, placeholder: "What have you seen that shows this level? (optional)" });
    evidence.value = a.evidence || "";
    evidence.addEventListener("input", () => {
      stage({ evidence: evidence.value });
      clearTimeout(typing);
      typing = setTimeout(() => { typing = null; send(); }, 500);
      status("saving", "Typing…");
    });
    evidence.addEventListener("blur", flushTyping);
    const list = el("ol", { class: "descriptors" }, d.levels.map((text, i) => {
      const level = String(i + 1);
      const tags = [a.current === level ? el("span", { class: "tag current" }, "Today") : null, a.target === level ? el("span", { class: "tag target" }, "Target") : null];
      return el("li", { class: a.current === level ? "is-current" : a.target === level ? "is-target" : "" },
        el("b", {}, `${level} · ${room.level_names[i]}`), " ", tags, " ", text);
    }));
    if (!shown) shown = a[active] || a.current || "";
    const card = el("section", { class: "card dimension", "aria-labelledby": "title" },
      el("p", { class: "eyebrow" }, `${d.component} · ${index + 1} of ${total}`),
      el("h1", { id: "title" }, d.name),
      d.question ? el("p", { class: "question" }, d.question) : null,
      list,
      levelRow("current", "Today", a),
      levelRow("target", "Target", a),
      el("div", { id: "descriptor", class: "descriptor", "aria-live": "polite" }, descriptor(d, shown)),
      el("label", { for: "evidence", class: "evidence-label" }, "Evidence"),
      evidence,
      el("nav", { class: "moves" },
        el("button", { type: "button", onclick: () => go(index - 1), disabled: index === 0 }, "Back"),
        el("button", { type: "button", class: "quiet", onclick: overview }, "All"),
        el("span", { id: "status", class: "status", role: "status" }, unsent.size ? "Saving…" : ""),
        el("button", { type: "button", class: "primary", onclick: () => go(index + 1) }, index === total - 1 ? "Finish" : "Next")));
    const keys = el("p", { class: "keys" }, "Keys: 1–5 pick a level (today, then target) · Enter: next · Ctrl+Enter: next from the evidence box");
    app.replaceChildren(header(), el("div", { class: "columns" }, card, el("aside", { class: "chart" }, el("div", { id: "radar" }, myRadar(index, 300)), legend(), keys)));
  }

  function go(i) {
    flushTyping();
    if (i >= room.dimensions.length) return overview();
    index = Math.max(0, i);
    active = answer(room.dimensions[index].id).current ? "target" : "current";
    shown = null;
    draw();
    window.scrollTo(0, 0);
  }

  function overview() {
    flushTyping();
    const total = room.dimensions.length, n = answered();
    const rows = room.dimensions.map((d, i) => {
      const a = room.answers[d.id] || {};
      return el("li", {}, el("button", { type: "button", class: done(a) ? "listed done" : "listed", onclick: () => go(i) },
        el("span", {}, `${i + 1}. ${d.name}`),
        el("span", { class: "levels-given" }, a.current ? `today ${a.current}` : "today –", " · ", a.target ? `target ${a.target}` : "target –")));
    });
    app.replaceChildren(header(), el("div", { class: "columns" },
      el("section", { class: "card overview" },
        el("h1", {}, n === total ? `All ${total} dimensions scored. Thank you` : `${n} of ${total} dimensions scored`),
        el("p", { id: "saved-note", class: "note" }, savedNote()),
        el("ol", { class: "all" }, rows),
        el("p", { class: "note" }, "Your personal link (to carry on from another device): ", el("code", {}, location.origin + room.link)),
        el("p", { id: "status", class: "status", role: "status" })),
      el("aside", { class: "chart" }, el("div", { id: "radar" }, myRadar(-1, 300)), legend())));
    history.replaceState(null, "", "#all");
  }

  document.addEventListener("keydown", (event) => {
    if (!room || !room.joined || !document.getElementById("evidence")) return;
    const inBox = event.target.tagName === "TEXTAREA" || event.target.tagName === "INPUT";
    if (inBox) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); go(index + 1); }
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (/^[1-5]$/.test(event.key)) { event.preventDefault(); pick(active, event.key, true); }
    else if (event.key === "Enter" && event.target.tagName !== "BUTTON") { event.preventDefault(); go(index + 1); }
    else if (event.key === "ArrowRight") go(index + 1);
    else if (event.key === "ArrowLeft") go(index - 1);
  });
  window.addEventListener("beforeunload", (event) => { if (unsent.size) event.preventDefault(); });
  window.addEventListener("pagehide", flushTyping);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flushTyping(); });

  start();
})();
