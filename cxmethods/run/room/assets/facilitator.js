"use strict";
// The facilitator's view: who has joined and finished, each dimension's spread by role, the disagreements in the
// order to discuss them, the consensus step beside each role's scores, and the largest gaps; all live.
(() => {
  const { el, call, keepingPlace, listen, online, time } = window.cxmRoom;
  const app = document.getElementById("app");
  const PALETTE = ["#1f5fa8", "#b3541e", "#2e7d32", "#8e24aa", "#00838f", "#c62828", "#6d4c41", "#455a64", "#ad1457", "#558b2f"];
  let view = null, tab = "consensus", chosen = null, form = null, shown = null;
  const links = {};  // personal links given out, by name: a redraw keeps them on screen
  const moments = window.cxmMoments;

  const byId = () => Object.fromEntries(view.dimensions.map((d) => [d.id, d]));
  const roles = () => [...new Set(view.dimensions.flatMap((d) => d.scores.map((s) => s.role)))].sort();
  const colour = (role) => PALETTE[roles().indexOf(role) % PALETTE.length];
  const level = (x) => (x === null || x === undefined ? "–" : Number.isInteger(x) ? String(x) : x.toFixed(1));

  const redraw = keepingPlace(() => draw());

  function draw() {
    const started = view.participants.filter((p) => p.answered > 0).length;
    const finished = view.participants.filter((p) => p.finished).length;
    const tabs = [["consensus", "Consensus"], ["spread", "Spread"], ["gaps", "Gaps"], ["people", "Participants"]];
    app.replaceChildren(
      el("header", { class: "bar" },
        el("span", { class: "who" }, `${view.organisation}: workshop room`),
        el("span", { class: "count" }, `${view.participants.length} in the room · ${started} started · ${finished} finished`),
        el("span", { id: "live", class: "live" }, `Live · updated ${time()}`)),
      el("div", { class: "room" },
        el("aside", { class: "card joinbox" },
          el("h2", {}, "Join the room"),
          el("img", { src: "/qr.svg", alt: "QR code of the room's join link", width: 180, height: 180 }),
          el("p", {}, "Code ", el("b", { class: "code" }, view.code)),
          el("p", { class: "small" }, view.join_url)),
        el("section", { class: "main" },
          el("nav", { class: "moments", "aria-label": "The room's moment" }, el("span", { class: "label" }, "The room is on"),
            Object.entries(view.moments).map(([id, label]) => el("button", { type: "button", "aria-pressed": view.moment === id ? "true" : "false", onclick: () => choose(id) }, label))),
          view.moment === "scoring" ? [
            el("nav", { class: "tabs", role: "tablist" }, tabs.map(([id, label]) =>
              el("button", { type: "button", role: "tab", "aria-selected": tab === id ? "true" : "false", onclick: () => { tab = id; draw(); } }, label))),
            { consensus, spread, gaps, people }[tab]()] : momentPanel())));
    shown = view.moment;
  }

  // ---- the room's other moments (moments.js): the participants' pages follow the choice
  async function choose(id) {
    try { await call("/api/moment", { moment: id }); view.moment = id; draw(); }
    catch (error) { online(false, error.message); }
  }

  let panel = null;
  function momentPanel() {
    const moment = view.moment;
    if (panel && panel.moment === moment) {  // the same moment: fresh figures in the same place (the what-if stays)
      const typing = panel.box.contains(document.activeElement) && document.activeElement.tagName === "INPUT";
      if (moment !== "business_case" && !typing) fill(panel.box, moment);  // never under the facilitator's typing
      return panel.box;
    }
    const box = el("div", { class: "moment" }, el("div", { class: "card" }, el("p", { class: "note" }, "Opening…")));
    panel = { moment, box };
    fill(box, moment);
    return box;
  }

  let fills = 0;
  async function fill(box, moment) {
    if (moment === "business_case") {
      try { await moments.businessCase(box, false); } catch (error) { box.replaceChildren(el("div", { class: "card" }, el("p", { class: "problem" }, error.message))); }
      return;
    }
    const mine = ++fills, staging = el("div");  // drawn aside, shown only if no newer picture was asked for meanwhile
    try {
      await (moment === "segments" ? moments.segments : moments.backlog)(staging, () => fill(box, moment));
    } catch (error) {
      staging.replaceChildren(el("div", { class: "card" }, el("p", { class: "problem" }, error.message)));
    }
    if (mine === fills) box.replaceChildren(...staging.childNodes);
  }

  // ---- consensus: the widest spread first, each role's scores, the median and the evidence beside the form
  function consensus() {
    const dims = byId(), order = view.disagreements;
    const open = order.filter((id) => dims[id].agreed === null);
    if (!chosen || !dims[chosen]) chosen = open[0] || order[0] || null;
    const picker = el("select", { id: "pick", "aria-label": "Dimension to agree", onchange: (e) => { chosen = e.target.value; form = null; draw(); } },
      order.length ? el("optgroup", { label: "Disputed, widest spread first" }, order.map((id) => option(dims[id]))) : null,
      el("optgroup", { label: "Every dimension" }, view.dimensions.filter((d) => !order.includes(d.id)).map(option)));
    if (!chosen) {
      return el("div", { class: "card" }, el("h2", {}, "No disputed dimensions"),
        el("p", { class: "note" }, view.participants.length ? "By the room's rule nobody is far enough apart to need a discussion. Pick any dimension to agree a score." : "Nobody has scored yet."),
        picker, el("p", { class: "small" }, view.rule));
    }
    picker.value = chosen;
    const d = dims[chosen], at = order.indexOf(chosen);
    const rows = d.by_role.map((r) => el("tr", {}, el("td", {}, el("i", { class: "swatch", style: `background:${colour(r.role)}` }), r.role), el("td", { class: "num" }, String(r.n)), el("td", { class: "num" }, level(r.median)), el("td", { class: "num" }, level(r.median_target))));
    const quotes = d.evidence.map((q) => el("li", {}, el("b", {}, `${q.role}: `), q.text));
    if (!form || form.id !== chosen) form = { id: chosen, current: d.agreed ? String(d.agreed) : "", target: d.agreed_target ? String(d.agreed_target) : "", rationale: d.rationale || "", strengths: d.strengths || "", areas: d.areas || "" };
    return el("div", { class: "consensus" },
      el("div", { class: "card" },
        el("p", { class: "eyebrow" }, at >= 0 ? `Disputed ${at + 1} of ${order.length} · ${d.component}` : d.component),
        el("h2", {}, d.name),
        picker,
        el("p", {}, `${d.n} scores · median today `, el("b", {}, level(d.median)), " · median target ", el("b", {}, level(d.median_target)), ` · range ${level(d.range)} · interquartile range ${level(d.iqr)}`),
        dots(d),
        el("table", { class: "scores" }, el("caption", {}, "Each role's median"), el("thead", {}, el("tr", {}, el("th", {}, "Role"), el("th", { class: "num" }, "Scores"), el("th", { class: "num" }, "Today"), el("th", { class: "num" }, "Target"))), el("tbody", {}, rows)),
        quotes.length ? el("div", {}, el("h3", {}, "Evidence given"), el("ul", { class: "quotes" }, quotes)) : el("p", { class: "note" }, "No evidence given yet.")),
      agreeForm(d, order, at));
  }

  function option(d) {
    return el("option", { value: d.id }, `${d.name}${d.agreed !== null ? " (agreed)" : ""}`);
  }

  function agreeForm(d, order, at) {
    const status = el("p", { class: "status", role: "status" }, d.agreed !== null ? `Agreed: today ${level(d.agreed)}, target ${level(d.agreed_target)}` : "");
    const choose = (which, label) => el("div", { class: `row ${which}`, role: "group", "aria-label": label },
      el("span", { class: "label" }, label),
      el("div", { class: "levels" }, view.level_names.map((name, i) => el("button", {
        type: "button", class: "level", "aria-pressed": form[which] === String(i + 1) ? "true" : "false", title: name,
        onclick: (e) => { form[which] = String(i + 1); e.currentTarget.parentNode.querySelectorAll("button").forEach((b, j) => b.setAttribute("aria-pressed", j === i ? "true" : "false")); },
      }, el("b", {}, String(i + 1)), el("small", {}, name)))));
    const reason = el("textarea", { id: "reason", rows: 3, maxlength: 2000, placeholder: "Why the room agreed this (quoted in the report)", oninput: (e) => { form.rationale = e.target.value; } });
    reason.value = form.rationale;
    const strengths = el("textarea", { id: "strengths", rows: 2, maxlength: 2000, placeholder: "What works today, with the evidence", oninput: (e) => { form.strengths = e.target.value; } });
    strengths.value = form.strengths;
    const areas = el("textarea", { id: "areas", rows: 2, maxlength: 2000, placeholder: "What would take this to the next level", oninput: (e) => { form.areas = e.target.value; } });
    areas.value = form.areas;
    return el("form", { class: "card agree", onsubmit: async (event) => {
      event.preventDefault();
      status.className = "status saving"; status.textContent = "Saving…";
      try {
        await call("/api/consensus", { dimension_id: d.id, current: form.current, target: form.target, rationale: form.rationale, strengths: form.strengths, areas: form.areas });
        status.className = "status saved"; status.textContent = `Saved ${time()}`;
        const next = order.slice(at + 1).concat(order.slice(0, Math.max(at, 0))).find((id) => id !== d.id && byId()[id].agreed === null);
        if (next) { chosen = next; form = null; }
      } catch (error) {
        status.className = "status problem"; status.textContent = error.message;
      }
    } },
      el("h3", {}, "The room agrees"),
      el("ol", { class: "descriptors compact" }, view.descriptors[d.id].map((t, i) => el("li", {}, el("b", {}, `${i + 1} · ${view.level_names[i]}: `), t))),
      choose("current", "Today"), choose("target", "Target"),
      el("label", { for: "reason" }, "Reason"), reason,
      el("label", { for: "strengths" }, "Strengths"), strengths,
      el("label", { for: "areas" }, "Areas for improvement"), areas,
      el("div", { class: "moves" }, el("button", { type: "submit", class: "primary" }, "Save agreed scores"), status));
  }

  // ---- spread: every score of a dimension as a dot at its level, coloured by role
  function dots(d) {
    const cells = [1, 2, 3, 4, 5].map((lv) => el("div", { class: lv === Math.round(d.median) ? "cell median" : "cell", title: `Level ${lv}` },
      d.scores.filter((s) => s.current === lv).map((s) => el("i", { class: "dot", style: `background:${colour(s.role)}`, title: s.role }))));
    return el("div", { class: "dots", role: "img", "aria-label": `${d.name}: ${d.scores.map((s) => `${s.role} ${level(s.current)}`).join(", ")}` }, cells);
  }

  function spread() {
    const legend = el("p", { class: "legend" }, roles().map((r) => el("span", {}, el("i", { class: "swatch", style: `background:${colour(r)}` }), r)));
    const head = el("div", { class: "spread-row head" }, el("span", {}, "Dimension"), el("div", { class: "dots" }, [1, 2, 3, 4, 5].map((lv) => el("div", { class: "cell" }, `${lv} ${view.level_names[lv - 1]}`))), el("span", {}, "Median"));
    const rows = view.dimensions.map((d) => el("div", { class: d.disputed ? "spread-row disputed" : "spread-row" },
      el("button", { type: "button", class: "linkish", onclick: () => { chosen = d.id; form = null; tab = "consensus"; draw(); } }, d.name, d.disputed ? el("span", { class: "tag problem" }, "disputed") : null),
      dots(d), el("span", { class: "num" }, level(d.median))));
    return el("div", { class: "card" }, el("h2", {}, "Today's scores, dimension by dimension"), legend, el("p", { class: "small" }, view.rule), head, rows);
  }

  // ---- gaps: the largest weighted gaps, agreed scores taking the place of the median
  function gaps() {
    const dims = byId();
    const rows = view.gaps.map((id, i) => {
      const d = dims[id];
      return el("tr", {}, el("td", { class: "num" }, String(i + 1)), el("td", {}, d.name, d.agreed !== null ? el("span", { class: "tag" }, "agreed") : null),
        el("td", { class: "num" }, level(d.current)), el("td", { class: "num" }, level(d.target)),
        el("td", {}, el("span", { class: "gapbar", style: `width:${Math.max(0, (d.gap || 0) * 20)}%` }), " ", level(d.gap)));
    });
    return el("div", { class: "card" }, el("h2", {}, "Largest gaps between today and the target"),
      el("p", { class: "note" }, "Agreed scores replace the median as soon as they are saved."),
      el("table", { class: "gaps" }, el("thead", {}, el("tr", {}, el("th", { class: "num" }, "Rank"), el("th", {}, "Dimension"), el("th", { class: "num" }, "Today"), el("th", { class: "num" }, "Target"), el("th", {}, "Gap"))), el("tbody", {}, rows)));
  }

  // ---- participants: who has started and finished; a personal link for anyone who needs one
  function people() {
    const rows = view.participants.map((p) => el("tr", {},
      el("td", {}, p.name), el("td", {}, p.role),
      el("td", {}, el("span", { class: "meter small-meter" }, el("i", { style: `width:${(100 * p.answered) / p.total}%` })), ` ${p.answered} of ${p.total}`),
      el("td", {}, p.finished ? "Finished" : p.answered ? "Scoring" : "Not started"),
      el("td", {}, links[p.name] ? el("code", {}, links[p.name]) : el("button", { type: "button", class: "quiet", onclick: async (e) => {
        const cell = e.currentTarget.parentNode;
        try { const r = await call("/api/link", { name: p.name, role: p.role }); links[p.name] = location.origin + r.link; cell.replaceChildren(el("code", {}, links[p.name])); }
        catch (error) { cell.replaceChildren(el("span", { class: "problem" }, error.message)); }
      } }, "Personal link"))));
    return el("div", { class: "card" }, el("h2", {}, "Participants"),
      el("table", { class: "people" }, el("thead", {}, el("tr", {}, el("th", {}, "Name"), el("th", {}, "Role"), el("th", {}, "Scored"), el("th", {}, "Status"), el("th", {}, "Link"))), el("tbody", {}, rows)));
  }

  listen("/api/room", (next) => {
    view = next;
    if (!(view.moment === "business_case" && shown === "business_case")) redraw();  // the business case keeps its what-if
  });
})();
