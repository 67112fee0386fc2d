"use strict";
// Trainer mode: the workbooks' exercises without code. On the participant's page: join, then answer each exercise in
// prose; an answer is "Saved" only once the room has it on disk, and unsent answers are kept in this browser
// (localStorage) and sent again. What both training pages share (the exercise text, the discount control) is in
// window.cxmTraining. The exercise text comes from the room as HTML it rendered itself, raw HTML escaped.
window.cxmTraining = (() => {
  const { el, call } = window.cxmRoom;

  // the room's own rendering of an exercise's markdown (no raw HTML in it: see training.render_markdown)
  function markup(html, className) {
    const box = el("div", { class: className || "prose" });
    box.innerHTML = html;
    return box;
  }

  const money = (x) => (x === null || x === undefined ? "–" : Math.round(x).toLocaleString("en-GB"));

  // the discount-rate exercise's control: a flat rate, and each initiative's and option's NPV at it
  function discountControl() {
    const number = el("input", { id: "rate", type: "number", min: 0, max: 10, step: 0.5, value: 1.5, inputmode: "decimal", class: "rate-number" });
    const slider = el("input", { type: "range", min: 0, max: 10, step: 0.5, value: 1.5, "aria-label": "Flat discount rate, % a year", class: "rate-slider" });
    const result = el("div", { class: "moved", "aria-live": "polite" }, el("p", { class: "note" }, "Working out…"));
    let asked = 0;
    async function show(rate) {
      const mine = ++asked;
      try {
        const data = await call(`/api/training/discount?rate=${encodeURIComponent(rate)}`);
        if (mine === asked) result.replaceChildren(table(data));
      } catch (error) {
        if (mine === asked) result.replaceChildren(el("p", { class: "problem" }, error.message));
      }
    }
    number.addEventListener("input", () => { if (number.value !== "") { slider.value = number.value; show(number.value); } });
    slider.addEventListener("input", () => { number.value = slider.value; show(slider.value); });
    show(1.5);
    return el("section", { class: "control" },
      el("h3", {}, "Try it: discount at a flat rate"),
      el("p", { class: "note" }, "Each initiative's yearly flows discounted at this rate instead of the engagement's schedule. Nothing is saved."),
      el("div", { class: "rate" }, el("label", { for: "rate" }, "Flat rate, % a year"), number, slider),
      result);
  }

  function table(data) {
    if (data.problem) return el("p", { class: "problem" }, data.problem);
    const moved = data.rows.filter((r) => r.moved).length;
    const head = el("tr", {}, el("th", {}, "Initiative or option"), el("th", { class: "num" }, "NPV, schedule"),
      el("th", { class: "num" }, `NPV at ${data.rate}%`));
    const rows = data.rows.map((r) => {
      const name = r.kind === "option" ? `Option: ${r.name.replaceAll("_", " ")}` : `${r.id} ${r.name}`;
      const inPackage = r.kind === "option" ? ""
        : r.preferred_before && r.preferred_after ? "in the preferred package"
        : r.preferred_after ? "joins the preferred package" : r.preferred_before ? "leaves the preferred package" : "";
      const what = [r.what, r.what.includes("package") ? "" : inPackage].filter(Boolean).join("; ");
      return el("tr", { class: r.moved ? "is-moved" : "" },
        el("td", {}, name, what ? el("span", { class: "what" }, what) : null),
        el("td", { class: "num" }, money(r.npv_before)),
        el("td", { class: "num" }, money(r.npv_after)));
    });
    const said = moved === 0 ? `Nothing changes category, sign or package at ${data.rate}%.`
      : `${moved === 1 ? "One row changes" : `${moved} rows change`} category, sign or package at ${data.rate}% (in bold).`;
    return el("div", {},
      el("p", { class: "small" }, said, data.currency ? ` Money in ${data.currency}, net present value.` : ""),
      el("div", { class: "scroll" }, el("table", {}, el("thead", {}, head), el("tbody", {}, rows))));
  }

  return { markup, discountControl };
})();

(() => {
  if (!document.body.classList.contains("participant")) return;
  const { el, call, joinForm, time } = window.cxmRoom;
  const { markup, discountControl } = window.cxmTraining;
  const app = document.getElementById("app");
  let room = null;
  let sending = false;
  const timers = new Map();
  // kept under this room's and this participant's own key: a shared laptop never replays one person's answers as another's
  let unsent = new Map(), backup = null;

  function keep() { if (backup) localStorage.setItem(backup, JSON.stringify([...unsent])); }

  async function start() {
    try {
      room = await call("/api/training");
    } catch (error) {
      app.replaceChildren(el("p", { class: "problem" }, error.message, ". Reload the page to try again."));
      return;
    }
    if (!room.joined) {
      return joinForm(app, `${room.organisation}: exercises. Your answers are saved as you type; only you and the facilitator see them.`, start);
    }
    backup = `cxm-training-unsent:${location.host}:${room.link}`;
    unsent = new Map(JSON.parse(localStorage.getItem(backup) || "[]"));
    for (const [id, text] of unsent) room.answers[id] = text;
    draw();
    send();
  }

  const all = () => room.workbooks.flatMap((w) => w.exercises);
  const answered = () => all().filter((e) => (room.answers[e.id] || "").trim()).length;

  function header() {
    const total = all().length, n = answered();
    return el("header", { class: "bar" },
      el("span", { class: "who" }, `${room.participant.name} · ${room.participant.role}`),
      el("span", { id: "count", class: "count" }, `${n} of ${total} answered`),
      el("a", { href: "/score", class: "live" }, "Self-assessment scoring"),
      el("div", { class: "meter", "aria-hidden": "true" }, el("i", { id: "meter", style: `width:${(100 * n) / total}%` })));
  }

  function exercise(e, number) {
    const box = el("textarea", { id: `answer-${e.id}`, rows: 4, maxlength: room.limit, placeholder: "Your answer, in a few sentences" });
    box.value = room.answers[e.id] || "";
    const line = el("p", { id: `status-${e.id}`, class: "status", role: "status" }, unsent.has(e.id) ? "Saving…" : (box.value ? "Saved" : ""));
    box.addEventListener("input", () => {  // into the backup at once (a reload keeps it); to the room after a pause
      room.answers[e.id] = box.value;
      unsent.set(e.id, box.value);
      keep();
      clearTimeout(timers.get(e.id));
      setStatus(e.id, "saving", "Typing…");
      timers.set(e.id, setTimeout(() => change(e.id, box.value), 600));
    });
    box.addEventListener("blur", () => {
      if (timers.has(e.id)) { clearTimeout(timers.get(e.id)); timers.delete(e.id); change(e.id, box.value); }
    });
    return el("article", { class: "card exercise", id: `ex-${e.id}`, "aria-labelledby": `title-${e.id}` },
      el("p", { class: "eyebrow" }, `Exercise ${number}`),
      el("h3", { id: `title-${e.id}` }, e.section),
      e.context ? el("details", { class: "context" }, el("summary", {}, "About this step"), markup(e.context)) : null,
      markup(e.html, "prose task"),
      e.control === "discount_rate" ? discountControl() : null,
      el("label", { for: `answer-${e.id}` }, "Your answer"),
      box,
      line);
  }

  function draw() {
    let n = 0;
    const books = room.workbooks.map((w) => el("section", { class: "workbook", "aria-label": w.title },
      el("h2", {}, w.title),
      w.exercises.map((e) => exercise(e, ++n))));
    const contents = el("nav", { class: "card contents", "aria-label": "Workbooks" },
      el("h1", {}, `${room.organisation}: exercises`),
      el("p", { class: "note" }, "Answer in your own words; each answer is saved as you type. Your personal link (to carry on from another device): ",
        el("code", {}, location.origin + room.link)),
      el("ol", {}, room.workbooks.map((w) => el("li", {}, el("a", { href: `#ex-${w.exercises[0].id}` }, w.title)))));
    app.replaceChildren(header(), el("div", { class: "exercises" }, contents, books));
  }

  function change(id, text) {
    timers.delete(id);
    room.answers[id] = text;
    unsent.set(id, text);
    keep();
    send();
  }

  async function send() {
    if (sending) return;
    sending = true;
    while (unsent.size) {
      const [id, text] = unsent.entries().next().value;
      setStatus(id, "saving", "Saving…");
      try {
        await call("/api/training/answer", { exercise_id: id, answer: text });
        if (unsent.get(id) === text) { unsent.delete(id); setStatus(id, "saved", `Saved ${time()}`); }
        keep();
      } catch (error) {
        if (error.status === 422) {
          if (unsent.get(id) === text) unsent.delete(id);
          keep();
          setStatus(id, "problem", error.message);
          continue;
        }
        setStatus(id, "problem", `Not saved yet: ${error.message}. Kept on this device; trying again.`);
        sending = false;
        setTimeout(send, 2000);
        return;
      }
    }
    sending = false;
    progress();
  }

  function setStatus(id, kind, text) {
    const line = document.getElementById(`status-${id}`);
    if (line) { line.className = `status ${kind}`; line.textContent = text; }
  }

  function progress() {
    const count = document.getElementById("count"), bar = document.getElementById("meter");
    const total = all().length, n = answered();
    if (count) count.textContent = `${n} of ${total} answered`;
    if (bar) bar.style.width = `${(100 * n) / total}%`;
  }

  window.addEventListener("beforeunload", (event) => { if (unsent.size) event.preventDefault(); });
  const flush = () => { for (const [id, timer] of timers) { clearTimeout(timer); timers.delete(id); } send(); };
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(); });
  start();
})();
