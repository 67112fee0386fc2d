"use strict";
// Trainer mode, the facilitator's view: each exercise with its solution and the notes of its section, and the
// room's answers to it as they arrive (the room's change counter, long polling as /api/room does).
(() => {
  const { el, call, keepingPlace, listen, time } = window.cxmRoom;
  const { markup, discountControl } = window.cxmTraining;
  const app = document.getElementById("app");
  let view = null, chosen = null;
  let kept = null;  // the exercise's card as drawn: answers arriving leave it (and the discount control) as it is
  const closed = new Set();  // the notes the facilitator closed stay closed

  const all = () => view.workbooks.flatMap((w) => w.exercises);

  // every workbook in order: its exercises, and the notes of its other steps
  function books() {
    const byId = new Map();
    for (const b of view.other_notes) byId.set(b.id, { id: b.id, title: b.title, exercises: [], notes: b.notes });
    for (const w of view.workbooks) byId.set(w.id, { ...(byId.get(w.id) || { notes: [] }), ...w });
    return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  function pick(id, label, count) {
    return el("li", {}, el("button", { type: "button", class: id === chosen ? "linkish chosen" : "linkish", "aria-current": id === chosen ? "true" : null,
      onclick: () => { chosen = id; draw(); window.scrollTo(0, 0); } }, label, count === null ? null : el("span", { class: "tag" }, String(count))));
  }

  const redraw = keepingPlace(() => draw());

  function draw() {
    const exercises = all(), shelf = books();
    const known = exercises.map((x) => x.id).concat(shelf.map((b) => `notes:${b.id}`));
    if (!chosen || !known.includes(chosen)) chosen = known[0];
    const e = exercises.find((x) => x.id === chosen);
    const list = el("nav", { class: "card picker", "aria-label": "Exercises" },
      shelf.map((b) => el("div", {},
        el("h3", {}, b.title),
        el("ol", {}, b.exercises.map((x) => pick(x.id, x.section, x.answers.length)),
          b.notes.length ? pick(`notes:${b.id}`, `Notes on the other steps (${b.notes.length})`, null) : null))));
    const book = shelf.find((b) => `notes:${b.id}` === chosen);
    app.replaceChildren(
      el("header", { class: "bar" },
        el("span", { class: "who" }, `${view.organisation}: exercises`),
        el("span", { class: "count" }, `${view.participants} in the room · ${exercises.reduce((n, x) => n + x.answers.length, 0)} answers`),
        el("a", { href: "/facilitator" }, "Room view"),
        el("span", { id: "live", class: "live" }, `Live · updated ${time()}`)),
      el("div", { class: "trainer" }, list, e ? detail(e, exercises.indexOf(e) + 1) : book ? stepNotes(book) : el("p", {}, "The workbooks have no exercises.")));
  }

  function stepNotes(book) {
    return el("article", { class: "card exercise" },
      el("p", { class: "eyebrow" }, book.title),
      el("h1", {}, "Notes on the steps without an exercise"),
      book.notes.map((n) => el("section", { class: "notes facilitator" }, el("h3", {}, n.section), markup(n.html))));
  }

  function detail(e, number) {
    const notes = (title, items, kind) => {
      const key = `${e.id}:${kind}`;
      return items.length ? el("details", { class: `notes ${kind}`, open: !closed.has(key),
        ontoggle: (event) => { if (event.target.open) closed.delete(key); else closed.add(key); } },
        el("summary", {}, title), items.map((html) => markup(html))) : null;
    };
    const answers = e.answers.length
      ? e.answers.map((a) => el("li", {}, el("p", { class: "by" }, el("b", {}, a.name), ` · ${a.role}`), el("p", { class: "said" }, a.answer)))
      : [el("li", { class: "note" }, "No answers yet. They appear here as participants type.")];
    if (!kept || kept.id !== e.id) kept = { id: e.id, card: card(e, number, notes) };
    return el("div", { class: "exercise-detail" },
      kept.card,
      el("section", { class: "card answers", "aria-live": "polite" },
        el("h2", {}, `Answers (${e.answers.length})`),
        el("ul", { class: "said-list" }, answers)));
  }

  function card(e, number, notes) {
    const ids = all().map((x) => x.id), at = ids.indexOf(e.id);
    const go = (i) => { chosen = ids[i]; draw(); window.scrollTo(0, 0); };
    return el("article", { class: "card exercise" },
      el("nav", { class: "steps" },
        el("button", { type: "button", disabled: at <= 0, onclick: () => go(at - 1) }, "Previous exercise"),
        el("button", { type: "button", disabled: at >= ids.length - 1, onclick: () => go(at + 1) }, "Next exercise")),
        el("p", { class: "eyebrow" }, `Exercise ${number} · ${e.id}`),
        el("h1", {}, e.section),
        markup(e.html, "prose task"),
        notes("Solution", e.solutions, "solution"),
        notes("Facilitator notes", e.notes, "facilitator"),
        e.control === "discount_rate" ? discountControl() : null);
  }

  listen("/api/training/room", (next) => { view = next; redraw(); });
})();
