/* cxmethods report: sortable, filterable tables and filterable charts. Offline, no framework, no network.
 *
 * Tables: <div data-cxm-table> around a <table>; each <th> gets a sort button (aria-sort on the <th>), the
 * hidden controls (a text filter and per-column selects) are shown. Cells sort by data-sort when they have one
 * (numbers, dates), else by their text; missing values (an en dash) sort last either way.
 * Charts: <figure data-cxm-chart> holds its data cube as JSON in <script type="application/json">; the chart is
 * drawn as inline SVG at the figure's own width (redrawn when it changes), the <select> filters narrow the rows
 * summed, and the figures table beside it is rewritten to match, so a screen reader reads what is drawn.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var MISSING = "\u2013";
  var PALETTE = ["#1f5f8b", "#e07b39", "#3e4c59", "#7fb3d5", "#a0522d", "#9aa5b1", "#2e8b57", "#c9a227", "#6a4c93", "#d1495b"];

  function el(name, attrs, text) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function grouped(n, decimals) {
    var text = Math.abs(n).toFixed(decimals);
    var parts = text.split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    text = parts.join(".");
    return n < 0 && /[1-9]/.test(text) ? "-" + text : text;
  }

  function format(value, fmt) {
    if (value === null || value === undefined || !isFinite(value)) return MISSING;
    var d = fmt.decimals;
    switch (fmt.kind) {
      case "share": return grouped(value * 100, d || 0) + "%";
      case "money": {
        var t = grouped(value, d || 0);
        return t.charAt(0) === "-" ? "-" + fmt.symbol + t.slice(1) : fmt.symbol + t;
      }
      case "count": return grouped(Math.round(value), 0);
      default: return grouped(value, d === undefined || d === null ? 1 : d);
    }
  }

  /* -- tables ------------------------------------------------------------------------------------ */

  function cellKey(cell, numeric) {
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (raw === "" || raw === MISSING) return null;
    if (numeric) {
      var n = parseFloat(raw);
      return isNaN(n) ? null : n;
    }
    return raw;
  }

  function initTable(root) {
    var table = root.querySelector("table");
    var body = table.tBodies[0];
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var rows = Array.prototype.slice.call(body.rows);
    var controls = root.querySelector(".cxm-controls");
    var count = root.querySelector(".cxm-count");
    var text = root.querySelector("[data-filter-text]");
    var selects = Array.prototype.slice.call(root.querySelectorAll("select[data-filter-col]"));
    rows.forEach(function (row, i) { row.setAttribute("data-order", String(i)); });

    function apply() {
      var query = text ? text.value.trim().toLowerCase() : "";
      var shown = 0;
      rows.forEach(function (row) {
        var ok = !query || row.textContent.toLowerCase().indexOf(query) !== -1;
        selects.forEach(function (s) {
          if (ok && s.value !== "") ok = row.cells[+s.getAttribute("data-filter-col")].textContent.trim() === s.value;
        });
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      if (count) {
        count.textContent = shown === rows.length
          ? "Showing all " + grouped(rows.length, 0) + " rows."
          : "Showing " + grouped(shown, 0) + " of " + grouped(rows.length, 0) + " rows.";
      }
    }

    if (root.hasAttribute("data-sortable")) {
      headers.forEach(function (th, col) {
        var numeric = th.getAttribute("data-type") === "number";
        var button = el("button", { type: "button", "class": "cxm-sort" });
        while (th.firstChild) button.appendChild(th.firstChild);
        button.appendChild(el("span", { "class": "cxm-arrow", "aria-hidden": "true" }));
        th.appendChild(button);
        th.setAttribute("aria-sort", "none");
        button.addEventListener("click", function () {
          var ascending = th.getAttribute("aria-sort") !== "ascending";
          headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
          th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
          var keyed = rows.map(function (row) { return [cellKey(row.cells[col], numeric), +row.getAttribute("data-order"), row]; });
          keyed.sort(function (a, b) {
            if (a[0] === null || b[0] === null) {
              if (a[0] === b[0]) return a[1] - b[1];
              return a[0] === null ? 1 : -1; /* missing last, whichever the direction */
            }
            var c = numeric ? a[0] - b[0] : String(a[0]).localeCompare(String(b[0]), "en-GB", { numeric: true, sensitivity: "base" });
            if (!ascending) c = -c;
            return c || a[1] - b[1];
          });
          keyed.forEach(function (k) { body.appendChild(k[2]); });
          rows = keyed.map(function (k) { return k[2]; });
        });
      });
    }
    if (controls) {
      controls.hidden = false;
      if (text) text.addEventListener("input", apply);
      selects.forEach(function (s) { s.addEventListener("change", apply); });
      apply();
    }
  }

  /* -- charts ------------------------------------------------------------------------------------ */

  function niceStep(span, ticks) {
    var raw = span / Math.max(ticks, 1);
    var power = Math.pow(10, Math.floor(Math.log10(raw || 1)));
    var unit = raw / power;
    var step = unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 2.5 ? 2.5 : unit <= 5 ? 5 : 10;
    return step * power;
  }

  function initChart(root) {
    var spec = JSON.parse(root.querySelector("script[type='application/json']").textContent);
    var canvas = root.querySelector(".cxm-canvas");
    var legend = root.querySelector(".cxm-legend");
    var status = root.querySelector(".cxm-status");
    var figures = root.querySelector(".cxm-figures");
    var selects = Array.prototype.slice.call(root.querySelectorAll("select[data-dim]"));
    var dimIndex = {};
    spec.dims.forEach(function (d, i) { dimIndex[d.name] = i; });
    var xi = dimIndex[spec.x];
    var si = spec.series === null ? -1 : dimIndex[spec.series];
    var nd = spec.dims.length;
    var share = spec.measures.length === 2;
    var lastWidth = 0;

    function data() {
      var chosen = selects.map(function (s) { return [dimIndex[s.getAttribute("data-dim")], s.value === "" ? -1 : +s.value]; });
      var xs = spec.dims[xi].labels.length;
      var ss = si < 0 ? 1 : spec.dims[si].labels.length;
      var sums = [];
      for (var i = 0; i < xs; i++) { sums.push([]); for (var j = 0; j < ss; j++) sums[i].push([0, 0]); }
      spec.rows.forEach(function (row) {
        for (var k = 0; k < chosen.length; k++) if (chosen[k][1] >= 0 && row[chosen[k][0]] !== chosen[k][1]) return;
        var cell = sums[row[xi]][si < 0 ? 0 : row[si]];
        cell[0] += row[nd];
        if (share) cell[1] += row[nd + 1];
      });
      var total = [0, 0];
      var values = sums.map(function (r) {
        return r.map(function (c) {
          total[0] += c[0]; total[1] += c[1];
          return share ? (c[1] > 0 ? c[0] / c[1] : null) : c[0];
        });
      });
      /* the series with nothing under the filters are left out of the legend and the table */
      var keep = [];
      for (var s = 0; s < ss; s++) {
        var any = sums.some(function (r) { return share ? r[s][1] > 0 : r[s][0] !== 0; });
        if (any || ss === 1) keep.push(s);
      }
      return { values: values, keep: keep, total: share ? (total[1] > 0 ? total[0] / total[1] : null) : total[0], base: total[1] };
    }

    function describe(d) {
      var parts = selects.map(function (s, i) {
        var dim = spec.dims[dimIndex[s.getAttribute("data-dim")]];
        if (s.value !== "") return dim.labels[+s.value];
        return i ? dim.all.charAt(0).toLowerCase() + dim.all.slice(1) : dim.all;
      });
      var what = parts.length ? parts.join(", ") + ": " : "";
      if (share) return what + format(d.total, spec.format) + " " + spec.totalLabel + " (" + grouped(d.base, 0) + " " + spec.baseLabel + ").";
      return what + format(d.total, spec.format) + " " + spec.totalLabel + ".";
    }

    function writeTable(d) {
      var xl = spec.dims[xi].labels;
      var head = figures.tHead.rows[0];
      while (head.cells.length > 1) head.deleteCell(1);
      d.keep.forEach(function (s) {
        head.appendChild(el("th", { scope: "col", "class": "num" }, si < 0 ? spec.measureLabel : spec.dims[si].labels[s]));
      });
      var body = figures.tBodies[0];
      while (body.rows.length) body.deleteRow(0);
      xl.forEach(function (label, i) {
        var tr = el("tr");
        tr.appendChild(el("th", { scope: "row" }, label));
        d.keep.forEach(function (s) { tr.appendChild(el("td", { "class": "num" }, format(d.values[i][s], spec.format))); });
        body.appendChild(tr);
      });
    }

    function draw() {
      var d = data();
      var width = Math.max(260, Math.floor(canvas.clientWidth || 600));
      lastWidth = width;
      var height = width < 520 ? 260 : 340;
      var xl = spec.dims[xi].labels;
      var stacked = spec.kind === "bar" && si >= 0 && !share;
      var max = 0;
      d.values.forEach(function (r) {
        var sum = 0;
        d.keep.forEach(function (s) { var v = r[s] || 0; if (stacked) sum += v; else max = Math.max(max, v); });
        if (stacked) max = Math.max(max, sum);
      });
      if (share) max = Math.max(max, 0.0001);
      var step = niceStep(max || 1, width < 520 ? 3 : 5);
      var top = Math.max(step, Math.ceil((max || 1) / step) * step);
      if (share && top > 1) top = 1;
      var longest = format(top, spec.format).length;
      var m = { left: 14 + longest * 7.5, right: 12, top: 16, bottom: 34 };
      var pw = width - m.left - m.right, ph = height - m.top - m.bottom;
      var widest = Math.max.apply(null, xl.map(function (l) { return l.length; })) * 7 + 8;
      if (spec.kind === "bar" && !spec.xTime && widest > pw / xl.length) {
        finish(d, horizontal(d, width, top, step, stacked));  /* category names that do not fit under their bars */
        return;
      }
      var chart = svg("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": root.getAttribute("data-alt") + " " + describe(d), focusable: "false" });
      chart.appendChild(svg("title", {}, root.getAttribute("data-alt")));
      function y(v) { return m.top + ph - (v / top) * ph; }
      for (var t = 0; t <= top + step / 1e6; t += step) {
        chart.appendChild(svg("line", { x1: m.left, x2: m.left + pw, y1: y(t), y2: y(t), "class": "cxm-grid" }));
        chart.appendChild(svg("text", { x: m.left - 6, y: y(t) + 4, "text-anchor": "end", "class": "cxm-tick" }, format(t, spec.format)));
      }
      var band = pw / xl.length;
      var every = Math.max(1, Math.ceil((Math.max.apply(null, xl.map(function (l) { return l.length; })) * 7 + 8) / band));
      xl.forEach(function (label, i) {
        if (i % every) return;
        var lx = m.left + band * (i + 0.5);
        var shown = label.length * 7 > band * every && label.length > 12 ? label.slice(0, Math.max(4, Math.floor(band * every / 7) - 1)) + "\u2026" : label;
        chart.appendChild(svg("text", { x: lx, y: height - m.bottom + 18, "text-anchor": "middle", "class": "cxm-tick" }, shown));
      });
      var marks = svg("g", { "class": "cxm-marks" });
      if (spec.kind === "line") {
        d.keep.forEach(function (s, k) {
          var colour = PALETTE[s % PALETTE.length];
          var points = [];
          xl.forEach(function (label, i) {
            var v = d.values[i][s];
            if (v === null) return;
            points.push((m.left + band * (i + 0.5)).toFixed(1) + "," + y(v).toFixed(1));
          });
          marks.appendChild(svg("polyline", { points: points.join(" "), fill: "none", stroke: colour, "stroke-width": 2.5 }));
          xl.forEach(function (label, i) {
            var v = d.values[i][s];
            if (v === null) return;
            var dot = svg("circle", { cx: m.left + band * (i + 0.5), cy: y(v), r: 3.5, fill: colour, "class": "cxm-mark", "data-x": label, "data-series": si < 0 ? "" : spec.dims[si].labels[s], "data-value": String(v) });
            dot.appendChild(svg("title", {}, label + (si < 0 ? "" : ", " + spec.dims[si].labels[s]) + ": " + format(v, spec.format)));
            marks.appendChild(dot);
          });
        });
      } else {
        var groups = stacked ? 1 : d.keep.length;
        var inner = band * 0.78, bw = inner / groups;
        xl.forEach(function (label, i) {
          var base = 0;
          d.keep.forEach(function (s, k) {
            var v = d.values[i][s];
            var shown = v === null ? 0 : v;
            var x0 = m.left + band * i + (band - inner) / 2 + (stacked ? 0 : k * bw);
            var y1 = y(base + shown), y0 = y(base);
            var bar = svg("rect", { x: x0.toFixed(1), y: y1.toFixed(1), width: Math.max(1, bw - (groups > 1 ? 1 : 0)).toFixed(1), height: Math.max(0, y0 - y1).toFixed(1), fill: PALETTE[s % PALETTE.length], "class": "cxm-mark", "data-x": label, "data-series": si < 0 ? "" : spec.dims[si].labels[s], "data-value": v === null ? "" : String(v) });
            bar.appendChild(svg("title", {}, label + (si < 0 ? "" : ", " + spec.dims[si].labels[s]) + ": " + format(v, spec.format)));
            marks.appendChild(bar);
            if (stacked) base += shown;
          });
          if (si < 0 && xl.length <= Math.floor(pw / 48)) {
            var v = d.values[i][0];
            marks.appendChild(svg("text", { x: m.left + band * (i + 0.5), y: y(v || 0) - 5, "text-anchor": "middle", "class": "cxm-value" }, format(v, spec.format)));
          }
        });
      }
      chart.appendChild(marks);
      chart.appendChild(svg("line", { x1: m.left, x2: m.left + pw, y1: y(0), y2: y(0), "class": "cxm-axis" }));
      finish(d, chart);
    }

    /* Bars along the page, one row per category named at its left: for names too long to sit under upright bars. */
    function horizontal(d, width, top, step, stacked) {
      var xl = spec.dims[xi].labels;
      var groups = stacked ? 1 : d.keep.length;
      var nameChars = Math.max(6, Math.floor(width * 0.4 / 7));
      var names = xl.map(function (l) { return wrap(l, nameChars); });
      var lines = Math.max.apply(null, names.map(function (n) { return n.length; }));
      var row = Math.max(lines > 1 ? 38 : 26, groups * 12 + 10);
      var longest = Math.max.apply(null, names.map(function (n) { return Math.max.apply(null, n.map(function (t) { return t.length; })); }));
      var m = { left: 10 + longest * 7, right: 16 + format(top, spec.format).length * 7, top: 8, bottom: 28 };
      var pw = width - m.left - m.right;
      var height = m.top + row * xl.length + m.bottom;
      var chart = svg("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": root.getAttribute("data-alt") + " " + describe(d), focusable: "false" });
      chart.appendChild(svg("title", {}, root.getAttribute("data-alt")));
      function x(v) { return m.left + (v / top) * pw; }
      var ticks = Math.max(1, Math.round(top / step));
      var every = ticks > 3 && pw < 300 ? 2 : 1;
      for (var i = 0; i <= ticks; i++) {
        var t = i * step;
        chart.appendChild(svg("line", { x1: x(t), x2: x(t), y1: m.top, y2: height - m.bottom, "class": "cxm-grid" }));
        if (i % every === 0) chart.appendChild(svg("text", { x: x(t), y: height - m.bottom + 18, "text-anchor": "middle", "class": "cxm-tick" }, format(t, spec.format)));
      }
      var marks = svg("g", { "class": "cxm-marks" });
      xl.forEach(function (label, i) {
        var y0 = m.top + row * i;
        var name = names[i];
        var text = svg("text", { x: m.left - 6, y: y0 + row / 2 + 4 - (name.length - 1) * 7, "text-anchor": "end", "class": "cxm-tick" });
        name.forEach(function (part, n) { text.appendChild(svg("tspan", { x: m.left - 6, dy: n ? 14 : 0 }, part)); });
        if (name.join(" ") !== label) text.appendChild(svg("title", {}, label));
        chart.appendChild(text);
        var base = 0, inner = row - 8, bh = inner / groups;
        d.keep.forEach(function (s, k) {
          var v = d.values[i][s];
          var shown = v === null ? 0 : v;
          var yy = y0 + 4 + (stacked ? 0 : k * bh);
          var bar = svg("rect", { x: x(base).toFixed(1), y: yy.toFixed(1), width: Math.max(0, x(base + shown) - x(base)).toFixed(1), height: Math.max(1, bh - (groups > 1 ? 1 : 0)).toFixed(1), fill: PALETTE[s % PALETTE.length], "class": "cxm-mark", "data-x": label, "data-series": si < 0 ? "" : spec.dims[si].labels[s], "data-value": v === null ? "" : String(v) });
          bar.appendChild(svg("title", {}, label + (si < 0 ? "" : ", " + spec.dims[si].labels[s]) + ": " + format(v, spec.format)));
          marks.appendChild(bar);
          if (stacked) base += shown;
        });
        if (si < 0) {
          var v = d.values[i][0];
          marks.appendChild(svg("text", { x: x(v || 0) + 4, y: y0 + row / 2 + 4, "class": "cxm-value" }, format(v, spec.format)));
        }
      });
      chart.appendChild(marks);
      chart.appendChild(svg("line", { x1: x(0), x2: x(0), y1: m.top, y2: height - m.bottom, "class": "cxm-axis" }));
      return chart;
    }

    /* A name in at most two lines of ``chars`` characters, broken between words; the rest cut with an ellipsis. */
    function wrap(label, chars) {
      if (label.length <= chars) return [label];
      var words = label.split(" "), first = "";
      while (words.length && (first ? first.length + 1 : 0) + words[0].length <= chars) first += (first ? " " : "") + words.shift();
      if (!first) { first = label.slice(0, chars); words = [label.slice(chars)]; }
      var rest = words.join(" ");
      return [first, rest.length > chars ? rest.slice(0, chars - 1) + "\u2026" : rest];
    }

    function finish(d, chart) {
      canvas.textContent = "";
      canvas.appendChild(chart);
      if (legend) {
        legend.textContent = "";
        if (si >= 0) {
          d.keep.forEach(function (s, k) {
            var item = el("li");
            item.appendChild(el("span", { "class": "cxm-swatch", style: "background:" + PALETTE[s % PALETTE.length], "aria-hidden": "true" }));
            item.appendChild(document.createTextNode(spec.dims[si].labels[s]));
            legend.appendChild(item);
          });
        }
      }
      status.textContent = describe(d);
      writeTable(d);
    }

    selects.forEach(function (s) { s.addEventListener("change", draw); });
    var controls = root.querySelector(".cxm-controls");
    if (controls) controls.hidden = false;
    var details = root.querySelector("details.cxm-table-details");
    if (details) details.open = false;
    draw();
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        if (Math.abs(Math.floor(canvas.clientWidth) - lastWidth) > 4) draw();
      }).observe(canvas);
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-cxm-table]"), initTable);
    Array.prototype.forEach.call(document.querySelectorAll("[data-cxm-chart]"), initChart);
    document.documentElement.classList.add("cxm-js");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
