"use strict";
// What both pages of the workshop room share: building elements, calling the room, the radar.
window.cxmRoom = (() => {
  const SVG = "http://www.w3.org/2000/svg";

  // el("p", {class: "note"}, "text", child, ...): an element; attributes starting with "on" are listeners
  function el(tag, attrs, ...children) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // GET (no body) or POST JSON; an answer that is not OK throws an Error with the room's one-line message
  async function call(path, body) {
    const options = body === undefined
      ? { credentials: "same-origin" }
      : { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    let response;
    try {
      response = await fetch(path, options);
    } catch (error) {
      const lost = new Error("The room cannot be reached (network)");
      lost.status = 0;
      throw lost;
    }
    let payload = {};
    try { payload = await response.json(); } catch (error) { payload = {}; }
    if (!response.ok) {
      const problem = new Error(payload.error || `The room answered ${response.status}`);
      problem.status = response.status;
      throw problem;
    }
    return payload;
  }

  // The join form (name and role); ``note`` says what the page is for, ``joined`` runs once the room has them
  function joinForm(app, note, joined) {
    const name = el("input", { id: "name", autocomplete: "name", maxlength: 60, required: true });
    const role = el("input", { id: "role", autocomplete: "organization-title", maxlength: 60, required: true, placeholder: "e.g. Front-line adviser" });
    const problem = el("p", { class: "problem", role: "alert" });
    app.replaceChildren(el("form", { class: "card join", onsubmit: async (event) => {
      event.preventDefault();
      problem.textContent = "";
      try {
        await call("/api/join", { name: name.value, role: role.value });
        await joined();
      } catch (error) {
        problem.textContent = error.message;
      }
    } },
      el("h1", {}, "Join the workshop"),
      el("p", { class: "note" }, note),
      el("label", { for: "name" }, "Your name"), name,
      el("label", { for: "role" }, "Your role"), role,
      el("button", { type: "submit", class: "primary" }, "Join"),
      problem));
    name.focus();
  }

  // Wrap ``draw`` for live updates: whoever is typing keeps their place (focus, cursor), and an open list is not
  // closed under them (the redraw waits until it closes)
  function keepingPlace(draw) {
    let waiting = false;
    const redraw = () => {
      const active = document.activeElement;
      if (active && active.tagName === "SELECT") {
        if (!waiting) { waiting = true; active.addEventListener("blur", () => { waiting = false; redraw(); }, { once: true }); }
        return;
      }
      const id = active && active.id, from = active && active.selectionStart, to = active && active.selectionEnd;
      draw();
      const again = id && document.getElementById(id);
      if (again) {
        again.focus();
        try { if (typeof from === "number") again.setSelectionRange(from, to); } catch (error) { /* a number box has no cursor to put back */ }
      }
    };
    return redraw;
  }

  // The "#live" line of a facilitator's page: how the live updates are going
  function online(ok, why) {
    const line = document.getElementById("live");
    if (line) { line.className = ok ? "live" : "live problem"; line.textContent = ok ? `Live · updated ${time()}` : `Reconnecting… (${why})`; }
  }

  // Long-poll ``path`` (the room's change counter) and hand each new view to ``changed``; retry while the room is
  // out of reach; stop, saying so, when the facilitator's key is refused
  async function listen(path, changed) {
    let version = -1;
    for (;;) {
      try {
        const next = await call(`${path}?since=${version}`);
        if (next.version !== version) { version = next.version; changed(next); }
        online(true);
      } catch (error) {
        if (error.status === 403) { document.getElementById("app").replaceChildren(el("p", { class: "problem" }, "This view needs the facilitator's link.")); return; }
        online(false, error.message);
        await new Promise((done) => setTimeout(done, 2000));
      }
    }
  }

  function time() {
    return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  // A radar of levels 1-5 on every dimension: series [{values: [level|null...], className, label}]
  function radar(names, series, options) {
    const size = (options && options.size) || 320, centre = size / 2, radius = size / 2 - 32;
    const n = names.length, at = (i, level) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
      const r = (radius * level) / 5;
      return [centre + r * Math.cos(angle), centre + r * Math.sin(angle)];
    };
    const svg = el("svg:svg", { viewBox: `0 0 ${size} ${size}`, class: "radar", role: "img", "aria-label": options.label });
    svg.append(el("svg:title", {}, options.label));
    for (let level = 1; level <= 5; level++) {
      const ring = names.map((_, i) => at(i, level).join(",")).join(" ");
      svg.append(el("svg:polygon", { points: ring, class: "ring" }));
    }
    names.forEach((name, i) => {
      const [x, y] = at(i, 5);
      svg.append(el("svg:line", { x1: centre, y1: centre, x2: x, y2: y, class: i === options.highlight ? "spoke now" : "spoke" }));
      const [lx, ly] = at(i, 5.9);
      svg.append(el("svg:text", { x: lx, y: ly, class: i === options.highlight ? "axis now" : "axis", "text-anchor": "middle", "dominant-baseline": "middle" }, String(i + 1)));
    });
    for (const s of series) {
      const points = s.values.map((v, i) => (v ? at(i, v) : null));
      const given = points.filter(Boolean);
      if (given.length > 2) svg.append(el("svg:polygon", { points: points.map((p, i) => (p || at(i, 0)).join(",")).join(" "), class: s.className }));
      given.forEach((p) => svg.append(el("svg:circle", { cx: p[0], cy: p[1], r: 3.5, class: s.className })));
    }
    return svg;
  }

  return { el, call, joinForm, keepingPlace, listen, online, time, radar };
})();
