/* Interactive figures of "Recurrent networks, hands-on": plain JavaScript drawing SVG.
 *
 * Each figure is a <figure data-interactive-figure="NAME"> written by autograder/figures/interactive.py:
 * labelled <input type="range"> and <select> controls, an empty <svg class="ifig-plot">, and the data,
 * computed at build time by the course's reference package over every point of the controls' grid, in
 * <script type="application/json" class="ifig-data">. Nothing is computed or fetched here: a control
 * picks a grid point and the figure is redrawn from the embedded numbers.
 */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var W = 640, H = 360;

  function el(parent, tag, attrs, text) {
    var node = document.createElementNS(NS, tag);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  function scale(d0, d1, r0, r1) {
    return function (v) { return r0 + (v - d0) / (d1 - d0) * (r1 - r0); };
  }

  function fmt(v, digits) { return Number(v).toFixed(digits === undefined ? 3 : digits).replace(/^-(0\.0*)$/, "$1"); }

  function sci(log10) {
    var e = Math.floor(log10), m = Math.pow(10, log10 - e);
    if (m >= 9.995) { m = 1; e += 1; }
    return m.toFixed(2) + "e" + (e < 0 ? "−" + (-e) : "+" + e);
  }

  function flat(a) { return a.reduce(function (acc, x) { return acc.concat(Array.isArray(x) ? flat(x) : [x]); }, []); }

  // A plot box: axes, ticks and labels; returns the x and y scales.
  function axes(svg, box, xd, yd, opts) {
    var x = scale(xd[0], xd[1], box.x, box.x + box.w), y = scale(yd[0], yd[1], box.y + box.h, box.y);
    el(svg, "rect", {x: box.x, y: box.y, width: box.w, height: box.h, "class": "ifig-frame"});
    (opts.xticks || []).forEach(function (t) {
      el(svg, "line", {x1: x(t), x2: x(t), y1: box.y + box.h, y2: box.y + box.h + 4, "class": "ifig-axis"});
      if (!opts.noXLabels) el(svg, "text", {x: x(t), y: box.y + box.h + 16, "class": "ifig-tick", "text-anchor": "middle"},
                              opts.xfmt ? opts.xfmt(t) : t);
    });
    (opts.yticks || []).forEach(function (t) {
      el(svg, "line", {x1: box.x - 4, x2: box.x, y1: y(t), y2: y(t), "class": "ifig-axis"});
      el(svg, "line", {x1: box.x, x2: box.x + box.w, y1: y(t), y2: y(t), "class": "ifig-grid"});
      el(svg, "text", {x: box.x - 7, y: y(t) + 4, "class": "ifig-tick", "text-anchor": "end"}, opts.yfmt ? opts.yfmt(t) : t);
    });
    if (opts.xlabel) el(svg, "text", {x: box.x + box.w / 2, y: box.y + box.h + 32, "class": "ifig-label", "text-anchor": "middle"}, opts.xlabel);
    if (opts.ylabel) el(svg, "text", {x: 14, y: box.y + box.h / 2, "class": "ifig-label", "text-anchor": "middle",
                                      transform: "rotate(-90 14 " + (box.y + box.h / 2) + ")"}, opts.ylabel);
    return {x: x, y: y};
  }

  function polyline(svg, xs, ys, sx, sy, cls) {
    var points = xs.map(function (v, k) { return sx(v).toFixed(1) + "," + sy(ys[k]).toFixed(1); }).join(" ");
    return el(svg, "polyline", {points: points, "class": cls});
  }

  function dots(svg, xs, ys, sx, sy, cls, r) {
    xs.forEach(function (v, k) { el(svg, "circle", {cx: sx(v).toFixed(1), cy: sy(ys[k]).toFixed(1), r: r || 2.5, "class": cls}); });
  }

  function legend(svg, x, y, items) {
    items.forEach(function (item, k) {
      el(svg, "line", {x1: x, x2: x + 18, y1: y + 14 * k, y2: y + 14 * k, "class": item[0]});
      el(svg, "text", {x: x + 24, y: y + 14 * k + 4, "class": "ifig-tick"}, item[1]);
    });
  }

  function range(n, start) { var a = []; for (var k = 0; k < n; k++) a.push(k + (start || 0)); return a; }

  // --- the figures: draw(svg, choice, payload) returns the readout text ---------------------------------

  var figures = {};

  figures["rnn-steps"] = function (svg, c, p) {
    var x = p.data.x, h = p.data.h[c.W][c.U][c.b], t = range(x.length, 1);
    var ax = axes(svg, {x: 60, y: 16, w: 560, h: 290}, [0.5, x.length + 0.5], [-1.05, 1.05],
                  {xticks: [1, 5, 10, 15, 20], yticks: [-1, -0.5, 0, 0.5, 1], xlabel: "time step t", ylabel: "value"});
    polyline(svg, t, x, ax.x, ax.y, "ifig-line ifig-c0 ifig-dashed");
    polyline(svg, t, h, ax.x, ax.y, "ifig-line ifig-c1");
    dots(svg, t, h, ax.x, ax.y, "ifig-dot ifig-c1");
    legend(svg, 80, 250, [["ifig-line ifig-c0 ifig-dashed", "input x_t"], ["ifig-line ifig-c1", "hidden state h_t"]]);
    return "h_t = tanh(" + p.controls[0].labels[c.W] + " x_t + " + p.controls[1].labels[c.U] + " h_{t−1} + " +
      p.controls[2].labels[c.b] + "): h_1 = " + fmt(h[0]) + ", h_2 = " + fmt(h[1]) + ", h_3 = " + fmt(h[2]) +
      ", h_20 = " + fmt(h[19]) + ".";
  };

  figures["gradient-magnitude"] = function (svg, c, p) {
    var rnn = p.data.rnn[c.s], lstm = p.data.lstm[c.bf], all = flat(p.data.rnn).concat(flat(p.data.lstm));
    var lo = Math.floor(Math.min.apply(null, all) / 10) * 10, hi = Math.ceil(Math.max.apply(null, all) / 10) * 10;
    var yticks = range((hi - lo) / 10 + 1).map(function (k) { return lo + 10 * k; });
    var d = range(rnn.length, 1);
    var ax = axes(svg, {x: 70, y: 16, w: 550, h: 290}, [0, rnn.length + 1], [lo, hi],
                  {xticks: [1, 20, 40, 60, 80, 99], yticks: yticks, yfmt: function (t) { return "1e" + t; },
                   xlabel: "distance T − t (steps back from the end)", ylabel: "gradient norm (log scale)"});
    polyline(svg, d, rnn, ax.x, ax.y, "ifig-line ifig-c0");
    polyline(svg, d, lstm, ax.x, ax.y, "ifig-line ifig-c1");
    legend(svg, 90, 250, [["ifig-line ifig-c0", "vanilla RNN, ‖∂h_T/∂h_t‖, s = " + p.controls[0].labels[c.s]],
                          ["ifig-line ifig-c1", "LSTM, ‖∂h_T/∂c_t‖, forget bias " + p.controls[1].labels[c.bf]]]);
    var last = rnn.length - 1;
    return "At 99 steps back: vanilla RNN " + sci(rnn[last]) + ", LSTM " + sci(lstm[last]) +
      "; at 10 steps back: RNN " + sci(rnn[9]) + ", LSTM " + sci(lstm[9]) + ".";
  };

  figures["gate-dynamics"] = function (svg, c, p) {
    var data = p.data, g = data.grid[c.bf][c.gain], n = data.value.length, t = range(n, 1);
    var get = function (key) { return g[data.keys.indexOf(key)]; };
    var top = axes(svg, {x: 80, y: 8, w: 540, h: 70}, [0.5, n + 0.5], [-1.1, 1.5], {xticks: [], yticks: [-1, 0, 1]});
    t.forEach(function (s, k) {
      var v = data.value[k];
      el(svg, "rect", {x: top.x(s - 0.35), width: top.x(s + 0.35) - top.x(s - 0.35), y: top.y(Math.max(v, 0)),
                       height: Math.abs(top.y(v) - top.y(0)), "class": "ifig-bar"});
      ["write", "erase", "read"].forEach(function (flag, f) {
        if (data[flag][k]) el(svg, "text", {x: top.x(s), y: top.y(1.2) + 4, "text-anchor": "middle", "class": "ifig-mark ifig-c" + f},
                              ["W", "E", "R"][f]);
      });
    });
    el(svg, "text", {x: 8, y: 40, "class": "ifig-tick"}, "input");
    el(svg, "text", {x: 8, y: 54, "class": "ifig-tick"}, "W E R");
    var gx = scale(0.5, n + 0.5, 80, 620);
    [["i", "input i_t"], ["f", "forget f_t"], ["o", "output o_t"]].forEach(function (row, r) {
      var y = 92 + 26 * r, values = get(row[0]);
      el(svg, "text", {x: 74, y: y + 16, "text-anchor": "end", "class": "ifig-tick"}, row[1]);
      values.forEach(function (v, k) {
        el(svg, "rect", {x: gx(k + 0.5).toFixed(1), y: y, width: (gx(k + 1.5) - gx(k + 0.5) - 1).toFixed(1), height: 22,
                         "class": "ifig-cell", "fill-opacity": Math.max(0.03, v).toFixed(3)});
      });
    });
    var states = flat(data.grid.map(function (a) { return a.map(function (b) { return [b[3], b[4]]; }); }));
    var lo = Math.min(-1, Math.floor(Math.min.apply(null, states))), hi = Math.max(1, Math.ceil(Math.max.apply(null, states)));
    var bottom = axes(svg, {x: 80, y: 178, w: 540, h: 140}, [0.5, n + 0.5], [lo, hi],
                      {xticks: [1, 5, 10, 15, 20, 25, 30], yticks: range(hi - lo + 1).map(function (k) { return lo + k; }),
                       xlabel: "time step t"});
    polyline(svg, t, get("c"), bottom.x, bottom.y, "ifig-line ifig-c1");
    polyline(svg, t, get("h"), bottom.x, bottom.y, "ifig-line ifig-c2");
    dots(svg, t, get("h"), bottom.x, bottom.y, "ifig-dot ifig-c2", 2);
    legend(svg, 500, 192, [["ifig-line ifig-c1", "cell state c_t"], ["ifig-line ifig-c2", "hidden state h_t"]]);
    var cell = get("c"), h = get("h"), f = get("f");
    return "Stored at the write in step 4: c_4 = " + fmt(cell[3]) + "; held at step 14: c_14 = " + fmt(cell[13]) +
      " (forget gate at rest " + fmt(f[0], 4) + "); read at step 10: h_10 = " + fmt(h[9]) +
      "; after the erase: c_25 = " + fmt(cell[24]) + ".";
  };

  figures["hidden-state-evolution"] = function (svg, c, p) {
    var x = p.data.x[c.input], hc = p.data.grid[c.input][c.bf], h = hc[0], cs = hc[1], n = x.length, units = h[0].length;
    var cmax = 3;  // colour saturates at |c| = 3 (the cell state is unbounded); at |h| = 1 for h
    var top = axes(svg, {x: 80, y: 8, w: 540, h: 60}, [0.5, n + 0.5], [-2.5, 2.5], {xticks: [], yticks: [-2, 0, 2]});
    polyline(svg, range(n, 1), x, top.x, top.y, "ifig-line ifig-c0");
    el(svg, "text", {x: 8, y: 42, "class": "ifig-tick"}, "input x_t");
    var gx = scale(0.5, n + 0.5, 80, 620);
    [[h, "h_t", 84, 1], [cs, "c_t", 200, cmax]].forEach(function (panel) {
      var values = panel[0], y0 = panel[2];
      el(svg, "text", {x: 8, y: y0 + 50, "class": "ifig-label"}, panel[1]);
      for (var u = 0; u < units; u++) {
        el(svg, "text", {x: 74, y: y0 + 16 * u + 12, "text-anchor": "end", "class": "ifig-tick"}, "unit " + (u + 1));
        for (var k = 0; k < n; k++) {
          var v = values[k][u];
          el(svg, "rect", {x: gx(k + 0.5).toFixed(1), y: y0 + 16 * u, width: (gx(k + 1.5) - gx(k + 0.5) - 1).toFixed(1), height: 15,
                           "class": v >= 0 ? "ifig-pos" : "ifig-neg", "fill-opacity": Math.min(1, Math.sqrt(Math.abs(v) / panel[3])).toFixed(3)});
        }
      }
    });
    [1, 5, 10, 15, 20, 25, 30].forEach(function (s) {
      el(svg, "text", {x: gx(s), y: 312, "text-anchor": "middle", "class": "ifig-tick"}, s);
    });
    el(svg, "text", {x: 350, y: 330, "text-anchor": "middle", "class": "ifig-label"}, "time step t");
    el(svg, "rect", {x: 80, y: 338, width: 12, height: 12, "class": "ifig-pos"});
    el(svg, "text", {x: 96, y: 348, "class": "ifig-tick"}, "positive");
    el(svg, "rect", {x: 160, y: 338, width: 12, height: 12, "class": "ifig-neg"});
    el(svg, "text", {x: 176, y: 348, "class": "ifig-tick"}, "negative (stronger colour: larger |value|; full at |h| = 1 and |c| ≥ " + cmax + ")");
    return "After 30 steps, h_30 = [" + h[n - 1].map(function (v) { return fmt(v, 2); }).join(", ") + "], c_30 = [" +
      cs[n - 1].map(function (v) { return fmt(v, 2); }).join(", ") + "].";
  };

  figures["parameter-comparison"] = function (svg, c, p) {
    var units = p.data.units, counts = p.data.grid[c.d][c.convention][c.layers][c.bidirectional];
    var all = flat(p.data.grid), lo = Math.floor(Math.log10(Math.min.apply(null, all))), hi = Math.ceil(Math.log10(Math.max.apply(null, all)));
    var lx = units.map(Math.log2);
    var ax = axes(svg, {x: 70, y: 16, w: 550, h: 290}, [lx[0] - 0.2, lx[lx.length - 1] + 0.2], [lo, hi],
                  {xticks: lx, xfmt: function (t) { return Math.round(Math.pow(2, t)); },
                   yticks: range(hi - lo + 1).map(function (k) { return lo + k; }), yfmt: function (t) { return "1e" + t; },
                   xlabel: "units h (log scale)", ylabel: "parameters (log scale)"});
    var mark = lx[c.h];
    el(svg, "line", {x1: ax.x(mark), x2: ax.x(mark), y1: 16, y2: 306, "class": "ifig-marker"});
    var names = ["vanilla RNN", "LSTM", "GRU"];
    counts.forEach(function (row, k) {
      var ly = row.map(Math.log10);
      polyline(svg, lx, ly, ax.x, ax.y, "ifig-line ifig-c" + k);
      dots(svg, lx, ly, ax.x, ax.y, "ifig-dot ifig-c" + k, 2.5);
      el(svg, "circle", {cx: ax.x(mark), cy: ax.y(ly[c.h]), r: 5, "class": "ifig-ring ifig-c" + k});
    });
    legend(svg, 90, 36, counts.map(function (row, k) { return ["ifig-line ifig-c" + k, names[k]]; }));
    var label = p.controls;
    return "d = " + label[0].labels[c.d] + ", h = " + label[1].labels[c.h] + ", " + label[2].labels[c.convention] + ", " +
      label[3].labels[c.layers] + " layer(s), " + label[4].labels[c.bidirectional] + ": " +
      counts.map(function (row, k) { return names[k] + " " + row[c.h].toLocaleString("en"); }).join(" · ") + ".";
  };

  // --- wiring ---------------------------------------------------------------------------------------------

  function setup(container) {
    var name = container.getAttribute("data-interactive-figure"), draw = figures[name];
    var svg = container.querySelector("svg.ifig-plot"), readout = container.querySelector(".ifig-readout");
    var payload = JSON.parse(container.querySelector("script.ifig-data").textContent);
    if (!draw) { readout.textContent = "Unknown figure " + name + "."; return; }
    var inputs = container.querySelectorAll("[data-control]");
    function redraw() {
      var choice = {};
      inputs.forEach(function (input) {
        var k = Number(input.value), key = input.getAttribute("data-control");
        choice[key] = k;
        if (input.type === "range") {
          var control = payload.controls.filter(function (c) { return c.key === key; })[0];
          input.setAttribute("aria-valuetext", control.labels[k]);
          var out = input.nextElementSibling;
          if (out && out.tagName === "OUTPUT") out.textContent = control.labels[k];
        }
      });
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      readout.textContent = draw(svg, choice, payload);
    }
    inputs.forEach(function (input) { input.addEventListener("input", redraw); input.addEventListener("change", redraw); });
    redraw();
  }

  function start() { document.querySelectorAll("[data-interactive-figure]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
