/* mlreport: draws the charts (plotly.js) of generated pages, without ever holding up the page.
 *
 * A chart is drawn only once it is scrolled near the viewport, after the page's tables answer,
 * one chart at a time with the browser free to handle input in between (background tasks): a reader
 * who sorts a table right away is answered at once, whether plotly.js has loaded or not. plotly.js
 * itself loads on the first chart a reader reaches, in the smallest bundle that draws every chart
 * of the page. Parallel coordinates (WebGL, one task of seconds where WebGL runs on the CPU) are drawn
 * by themselves only where a graphics card draws them and for at most a few hundred runs; elsewhere
 * their runs are listed, with a button that draws the chart on request.
 * Nothing from a record is inserted as HTML here (text nodes only). Loaded after
 * mlreport.js, whose helpers it uses; follows Material's light/dark palette toggle.
 */
(function () {
  "use strict";

  var api = window.mlreport;
  var el = api.el;
  var HERE = document.currentScript.src;
  // plotly.js's partial bundles (vendored, see vendor/plotly/VERSION) and the full one (4.6 MB, copied
  // from the plotly package): the first that has every trace type a page draws is loaded.
  var BUNDLES = [
    {src: "vendor/plotly/plotly-basic.min.js", traces: ["bar", "pie", "scatter"]},
    {src: "vendor/plotly/plotly-gl2d.min.js", traces: ["parcoords", "scatter", "scattergl", "splom"]},
    {src: "vendor/plotly/plotly.min.js", traces: null},
  ];
  var COLORWAY = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                  "#9c755f", "#bab0ac"];
  // Drawing starts this far before a chart scrolls into view, so it is there when the reader arrives.
  var NEAR = "300px 0px";
  // The longest the next chart waits for its turn on a busy page before it is drawn anyway.
  var IDLE_MS = 500;
  var TABLES_MS = 15000;
  // Below this width parallel coordinates are unreadable: their runs are a table instead (see mlreport.js).
  var NARROW = "(max-width: 700px)";
  // WebGL drawn by the CPU (SwiftShader, llvmpipe, …): parallel coordinates take seconds to draw there
  // (3 s for 15 runs in headless Chromium), seconds in which the page answers nothing.
  var SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render|offscreen/i;

  /* -- specs and colours --------------------------------------------------------------------- */

  // Generated pages name the page's chart file in data-mlr-chart and the chart's spec in it in
  // data-mlr-chart-part; charts built by scripts at run time (the compare view) hold their spec in a
  // JSON script instead. A chart file is fetched once for all the page's charts (again after a
  // failure), and a palette switch redraws from the same promise.
  var specs = new WeakMap();
  var chartFiles = new Map();

  function chartFile(path) {
    if (!chartFiles.has(path)) {
      chartFiles.set(path, api.fetchData(path).catch(function (error) {
        chartFiles.delete(path);
        throw error;
      }));
    }
    return chartFiles.get(path);
  }

  function chartSpec(container) {
    if (!specs.has(container)) {
      var source = container.querySelector('script[type="application/json"]');
      var path = container.dataset.mlrChart, part = container.dataset.mlrChartPart;
      specs.set(container, path
        ? chartFile(path).then(function (parts) {
            if (!part) return parts;
            if (!Object.prototype.hasOwnProperty.call(parts, part)) throw new Error("no chart " + part + " in " + path);
            return parts[part];
          })
        : Promise.resolve(source ? JSON.parse(source.textContent) : null));
    }
    return specs.get(container);
  }

  // Material's colour variables hold expressions (`hsla(var(--md-hue), …)`) that Plotly cannot
  // read; a probe element lets the browser resolve them to plain rgb() values.
  function resolvedColor(variable, fallback) {
    var probe = el("span");
    probe.style.display = "none";
    probe.style.color = "var(" + variable + ", " + fallback + ")";
    document.body.appendChild(probe);
    var color = getComputedStyle(probe).color;
    probe.remove();
    return color || fallback;
  }

  function palette() {
    var font = getComputedStyle(document.body).getPropertyValue("--md-text-font-family").trim();
    return {
      text: resolvedColor("--md-default-fg-color", "#333"),
      muted: resolvedColor("--md-default-fg-color--light", "#888"),
      grid: resolvedColor("--md-default-fg-color--lightest", "#eee"),
      accent: resolvedColor("--md-accent-fg-color", "#526cfe"),
      background: resolvedColor("--md-default-bg-color", "#fff"),
      font: font || "sans-serif",
    };
  }

  function isDark(rgb) {
    var channels = (rgb.match(/[\d.]+/g) || ["255", "255", "255"]).slice(0, 3).map(Number);
    return (channels[0] + channels[1] + channels[2]) / 3 < 128;
  }

  // Specs name colours by role ("accent", "muted"); the palette of the moment decides them.
  function applyRoles(node, colors) {
    if (Array.isArray(node)) return node.map(function (item) { return applyRoles(item, colors); });
    if (!node || typeof node !== "object") return node;
    var out = {};
    Object.keys(node).forEach(function (key) {
      if (key === "role") {
        out.color = node.role === "muted" ? colors.muted : colors.accent;
        if (node.role === "muted") out.opacity = 0.55;
      } else {
        out[key] = applyRoles(node[key], colors);
      }
    });
    return out;
  }

  function merge(base, extra) {
    var out = Object.assign({}, base);
    Object.keys(extra || {}).forEach(function (key) {
      var value = extra[key];
      out[key] = value && typeof value === "object" && !Array.isArray(value) && base[key] && typeof base[key] === "object"
        ? merge(base[key], value) : value;
    });
    return out;
  }

  /* -- plotly.js, in the smallest bundle the page needs ---------------------------------------- */

  var loaded = null;  // {bundle, promise} of the bundle this window has (or is loading)

  function covers(bundle, traces) {
    return !bundle.traces || traces.every(function (type) { return bundle.traces.indexOf(type) >= 0; });
  }

  // The trace types every chart of the page draws by itself (from its container), and those of `spec`
  // (a chart drawn now, perhaps on request): parallel coordinates that wait for a reader's request
  // (or that a phone never draws) do not make every reader fetch the bundle that has them.
  function pageTraces(spec) {
    var types = {};
    document.querySelectorAll("[data-mlr-traces]").forEach(function (container) {
      container.dataset.mlrTraces.split(" ").forEach(function (type) {
        if (type && (type !== "parcoords" || drawsItself(container))) types[type] = true;
      });
    });
    ((spec && spec.data) || []).forEach(function (trace) { types[trace.type || "scatter"] = true; });
    return Object.keys(types);
  }

  /* -- parallel coordinates: drawn by themselves only where that is quick ---------------------- */

  var webgl = null;

  // "hardware", "software" (WebGL drawn by the CPU) or "none"; asked once per window.
  function webglKind() {
    if (webgl) return webgl;
    var canvas = document.createElement("canvas");
    var gl = null;
    try { gl = canvas.getContext("webgl") || canvas.getContext("experimental-webgl"); } catch (error) { gl = null; }
    if (!gl) return (webgl = "none");
    var info = gl.getExtension("WEBGL_debug_renderer_info");
    var renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) || "");
    var lose = gl.getExtension("WEBGL_lose_context");
    if (lose) lose.loseContext();  // a page may hold only a few contexts: plotly.js needs its own
    return (webgl = SOFTWARE_GL.test(renderer) ? "software" : "hardware");
  }

  // Whether parallel coordinates are drawn as soon as they are near (else their runs are listed and a
  // button draws them): not on a phone, not for more runs than the page says (data-mlr-draw), and
  // only where WebGL has a GPU behind it.
  function drawsItself(container) {
    return !window.matchMedia(NARROW).matches && container.dataset.mlrDraw !== "request" &&
      webglKind() === "hardware";
  }

  // Resolves to Plotly once a bundle with these trace types has run; one <script> however many charts ask.
  function loadPlotly(traces) {
    if (loaded && covers(loaded.bundle, traces)) return loaded.promise;
    var bundle = BUNDLES.filter(function (candidate) { return covers(candidate, traces); })[0];
    var src = new URL(bundle.src, HERE).href;
    var before = loaded ? loaded.promise.catch(function () {}) : Promise.resolve();
    var promise = before.then(function () {
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () {
          if (loaded && loaded.promise === promise) loaded = null;  // the next chart tries again
          script.remove();
          reject(new Error("plotly.js could not be loaded from " + src));
        };
        document.head.appendChild(script);
      });
    });
    var entry = {bundle: bundle, promise: promise, ran: false};
    promise.then(function () { entry.ran = true; }, function () {});
    loaded = entry;
    return promise;
  }

  /* -- one chart at a time, when near, once nothing more urgent waits --------------------------- */

  var queue = [];
  var working = false;
  var observer = null;

  // Resolves once the page's own work (input, frames, the tables) has had its turn. A background-priority
  // task runs as soon as nothing more urgent is queued; an idle callback waits for an idle period,
  // which a page drawing frames (a reader scrolling, a busy machine) may not have for its whole
  // timeout: 300-400 ms of nothing before each chart, measured on a 10,000-row leaderboard. Neither
  // waits longer than IDLE_MS.
  function idle() {
    if (window.scheduler && typeof window.scheduler.postTask === "function") {
      return Promise.race([window.scheduler.postTask(function () {}, {priority: "background"}),
                           new Promise(function (resolve) { setTimeout(resolve, IDLE_MS); })]);
    }
    return new Promise(function (resolve) {
      if (window.requestIdleCallback) window.requestIdleCallback(resolve, {timeout: IDLE_MS});
      else setTimeout(resolve, 16);
    });
  }

  // Resolves once every table of the page shows its rows (or gave up): charts never compete with them.
  // A table that is still not there after TABLES_MS holds the charts back no longer.
  function tablesAnswer() {
    var deadline = Date.now() + TABLES_MS;
    return new Promise(function (resolve) {
      (function check() {
        var waiting = Array.prototype.some.call(document.querySelectorAll("[data-mlr-table]"), function (table) {
          var state = table.dataset.mlrState;
          if (state === "failed") return false;
          return state !== "ready" || !table.querySelector(".tabulator-row, .tabulator-placeholder");
        });
        if (waiting && Date.now() < deadline) setTimeout(check, 50);
        else resolve();
      })();
    });
  }

  function setState(container, state) {
    container.dataset.mlrChartState = state;
  }

  // Whether a chart is within NEAR of the viewport now (a hidden one never is).
  function isNear(container) {
    var box = container.getBoundingClientRect();
    var margin = parseInt(NEAR, 10);
    return box.width > 0 && box.top < window.innerHeight + margin && box.bottom > -margin;
  }

  function enqueue(container) {
    if (queue.indexOf(container) >= 0) return;
    if (container.dataset.mlrChartState !== "drawn") setState(container, "queued");
    queue.push(container);
    pump();
  }

  function pump() {
    if (working || !queue.length) return;
    working = true;
    tablesAnswer().then(function () {
      if (queue[0] && queue[0].isConnected && isNear(queue[0])) prefetch(queue[0]);
    }).then(idle).then(function () {
      var container = queue.shift();
      if (!container || !container.isConnected) return;
      // The table took its place meanwhile and pushed the chart away: it waits to be scrolled to again.
      if (!isNear(container)) return watch(container);
      return drawNow(container);
    }).catch(function (error) {
      console.error("mlreport: a chart could not be drawn:", error);
    }).then(function () {
      working = false;
      pump();
    });
  }

  // The chart about to be drawn starts loading its spec and plotly.js while the page has its turn
  // (idle), so their fetch and the script's compilation overlap that wait instead of following it.
  function prefetch(container) {
    chartSpec(container).catch(function () {});  // drawNow reports a failure
    var own = (container.dataset.mlrTraces || "").split(" ").filter(function (type) {
      return type && (type !== "parcoords" || drawsItself(container));
    });
    if (own.length) loadPlotly(pageTraces(null)).catch(function () {});  // plotChart tries again
  }

  // A chart is drawn once it comes near the viewport; a drawn one again (a palette switch) too, so a
  // chart far below takes the new palette when a reader gets to it.
  function drawChart(container) {
    if (!window.IntersectionObserver) {
      enqueue(container);
      return;
    }
    watch(container);
  }

  function watch(container) {
    if (!observer) {
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) return;
          observer.unobserve(entry.target);
          enqueue(entry.target);
        });
      }, {rootMargin: NEAR});
    }
    if (container.dataset.mlrChartState !== "drawn") setState(container, "waiting");
    observer.observe(container);
  }

  function drawNow(container) {
    setState(container, "drawing");
    return chartSpec(container).then(function (spec) {
      if (!spec) return setState(container, "drawn");
      if (spec.parcoords) runList(container, spec);
      // The list of runs stands in for parallel coordinates that are not drawn by themselves: on a
      // phone (no plotly.js at all), and until a reader asks for the chart.
      if (spec.parcoords && !drawsItself(container) && !container.mlrRequested) {
        if (!window.matchMedia(NARROW).matches) offerChart(container, spec);
        container.dataset.mlrChartForm = "runs";
        return setState(container, "drawn");
      }
      return plotChart(container, spec);
    }, function (error) {
      setState(container, "failed");
      if (container.querySelector(".mlr-chart-error")) return;
      container.appendChild(el("p", "mlr-chart-error", "The chart could not be loaded (" + api.unreadable(error) + ")."));
    });
  }

  // Draws the spec with plotly.js (loading it first): a long task on the main thread, so only for charts
  // that draw quickly, or that a reader asked for.
  function plotChart(container, spec) {
    var traces = pageTraces(spec);
    var first = !(loaded && loaded.ran && covers(loaded.bundle, traces));
    return loadPlotly(traces).then(function (plotly) {
      // plotly.js has just run (a long task of its own): let waiting input go first.
      return first ? idle().then(function () { return plotly; }) : plotly;
    }).then(function (plotly) {
      return drawSpec(plotly, container, spec);
    }).then(function () {
      if (spec.parcoords) {
        container.dataset.mlrChartForm = "plot";
        container.mlrShowRuns();  // the caption now speaks of the lines
      }
      setState(container, "drawn");
    }, function (error) {
      setState(container, "failed");  // plotly.js did not load, or could not draw the spec
      throw error;
    });
  }

  // Below the list of runs: why the chart is not drawn, and (where WebGL works at all) a button that
  // draws it. The button's label is painted before the draw starts, so the pause it warns of is seen.
  function offerChart(container, spec) {
    if (container.querySelector(".mlr-chart-offer")) return;
    var kind = webglKind();
    var runs = spec.parcoords.total || spec.parcoords.runs.length;
    var offer = el("p", "mlr-chart-offer");
    var why = kind === "none" ? "This browser cannot draw parallel coordinates (it has no WebGL)."
      : kind === "software"
        ? "This browser draws WebGL without a graphics card, so parallel coordinates would take seconds to draw " +
          "and hold up the page."
      : "Parallel coordinates of " + many(runs) + " runs take a while to draw and hold up the page.";
    offer.appendChild(el("span", "mlr-chart-offer-why", why));
    if (kind !== "none") {
      var button = el("button", "md-button mlr-chart-offer-draw", "Draw the chart");
      button.type = "button";
      button.addEventListener("click", function () {
        button.disabled = true;
        button.textContent = "Drawing the chart…";
        container.mlrRequested = true;
        setState(container, "drawing");
        requestAnimationFrame(function () {
          requestAnimationFrame(function () {
            chartSpec(container).then(function (drawn) { return plotChart(container, drawn); }).then(function () {
              offer.remove();
            }, function (error) {
              button.disabled = false;
              button.textContent = "Draw the chart";
              console.error("mlreport: a chart could not be drawn:", error);
            });
          });
        });
      });
      offer.append(" ", button);
    }
    container.insertBefore(offer, container.querySelector(".mlr-runs"));
  }

  function drawSpec(plotly, container, spec) {
    var colors = palette();
    var axis = {gridcolor: colors.grid, zerolinecolor: colors.grid, linecolor: colors.grid,
                tickfont: {color: colors.muted}, title: {font: {color: colors.muted}}, automargin: true};
    var layout = merge({
      // An opaque paper: parcoords outlines its tick labels in the paper colour.
      paper_bgcolor: colors.background, plot_bgcolor: "rgba(0,0,0,0)", colorway: COLORWAY,
      modebar: {bgcolor: "rgba(0,0,0,0)", color: colors.muted, activecolor: colors.accent},
      font: {family: colors.font, color: colors.text, size: 12},
      title: {font: {size: 14, color: colors.text}, x: 0, xanchor: "left", pad: {l: 4}},
      margin: {l: 56, r: 16, t: spec.layout && spec.layout.title ? 40 : 16, b: 44},
      xaxis: axis, yaxis: axis, hovermode: "closest",
      legend: {orientation: "h", y: -0.2, font: {color: colors.muted}},
      hoverlabel: {bgcolor: colors.background, bordercolor: colors.grid, font: {color: colors.text}},
    }, spec.layout || {});
    var data = applyRoles(spec.data, colors);
    data.forEach(function (trace) {
      if (trace.type === "parcoords") {
        // Strong lines on a light page, bright ones on a dark page: the scale follows the palette.
        if (spec.parcoords && isDark(colors.background)) trace.line.colorscale = spec.parcoords.dark_colorscale;
        trace.labelfont = {color: colors.text, size: 12};
        trace.tickfont = {color: colors.muted, size: 11};
        trace.rangefont = {color: colors.muted, size: 10};
        layout.margin = {l: 70, r: 70, t: 56, b: 28};
      }
    });
    var plot = container.querySelector(".mlr-plot");
    if (!plot) {
      plot = el("div", "mlr-plot");
      container.insertBefore(plot, container.querySelector(".mlr-runs"));
    }
    var options = {displaylogo: false, responsive: true, displayModeBar: "hover",
                   modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"]};
    return plotly.react(plot, data, layout, options).then(function () {
      if (spec.link && !plot.dataset.mlrLinked) {
        plot.dataset.mlrLinked = "1";
        plot.on("plotly_click", function (event) {
          var point = event.points && event.points[0];
          if (point && typeof point.customdata === "string") window.location.href = api.siteUrl(point.customdata);
        });
      }
      if (spec.parcoords && !plot.dataset.mlrFiltered) {
        plot.dataset.mlrFiltered = "1";
        // Brushing an axis lists the runs whose lines stay lit.
        plot.on("plotly_restyle", function () { if (!plot.mlrPicking) container.mlrShowRuns(); });
      }
    });
  }

  function many(count) {
    return count.toLocaleString("en-US");
  }

  /* -- parallel coordinates: which line is which run ------------------------------------------ */

  // The runs the chart's lines stand for, as a table: below the chart, the runs its axis filters keep
  // (pointing at one picks out its line); on a phone, in the chart's place.
  function runList(container, spec) {
    if (container.querySelector(".mlr-runs")) return;
    var info = spec.parcoords;
    var holder = el("div", "mlr-runs");
    var caption = el("p", "mlr-runs-caption");
    var wrap = el("div", "mlr-runs-wrap");
    var table = el("table", "mlr-runs-table");
    var head = el("tr");
    ["#", "Experiment", info.metric].concat(info.params).forEach(function (name, index) {
      head.appendChild(el("th", index === 0 || index === 2 ? "mlr-number" : "", name));
    });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    wrap.appendChild(table);
    holder.append(caption, wrap);
    container.appendChild(holder);

    function row(run) {
      var tr = el("tr", run.rank === 1 ? "mlr-runs-best" : "");
      tr.dataset.rank = run.rank;
      tr.appendChild(el("td", "mlr-number", run.rank));
      var cell = el("td", "mlr-runs-title");
      var link = el("a", "", run.title);
      link.href = api.siteUrl(run.url);
      link.title = run.id;
      cell.appendChild(link);
      if (run.rank === 1) cell.append(" ", el("span", "mlr-badge mlr-runs-best-badge", "best"));
      tr.appendChild(cell);
      tr.appendChild(el("td", "mlr-number", api.formatNumber(run.value, info.metric)));
      run.params.forEach(function (value) { tr.appendChild(el("td", value === null ? "mlr-missing" : "", value === null ? "—" : value)); });
      tr.addEventListener("mouseenter", function () { pick(run.rank); });
      tr.addEventListener("mouseleave", function () { pick(null); });
      tr.addEventListener("focusin", function () { pick(run.rank); });
      return tr;
    }

    // The runs whose lines every axis filter keeps (all of them before any brushing).
    function kept() {
      var plot = container.querySelector(".mlr-plot");
      var trace = plot && plot.data && plot.data[0];
      if (!trace || plot.mlrPicking) return info.runs;
      var dims = trace.dimensions;
      var count = info.runs.length;
      return info.runs.filter(function (run, index) {
        var at = count - 1 - index;  // the lines run from the worst to the best
        return dims.every(function (dim) {
          var ranges = dim.constraintrange;
          if (!ranges || !ranges.length) return true;
          if (!Array.isArray(ranges[0])) ranges = [ranges];
          var value = dim.values[at];
          return ranges.some(function (range) { return value >= range[0] && value <= range[1]; });
        });
      });
    }

    // Picks out one run's line (the others fade) by filtering the rank axis to it; null puts the filters back.
    function pick(rank) {
      var plot = container.querySelector(".mlr-plot");
      if (!plot || !plot.data || !window.Plotly) return;
      if (rank !== null && !plot.mlrPicking) plot.mlrPicking = {range: plot.data[0].dimensions[0].constraintrange || null};
      if (!plot.mlrPicking) return;
      var range = rank === null ? plot.mlrPicking.range : [info.runs.length + 0.5 - rank, info.runs.length + 1.5 - rank];
      if (rank === null) plot.mlrPicking = null;
      else plot.mlrPicking.rank = rank;
      holder.dataset.picked = rank === null ? "" : rank;
      window.Plotly.restyle(plot, {"dimensions[0].constraintrange": [range]}, [0]);
    }

    var listed = null;
    container.mlrShowRuns = function () {
      var runs = kept();
      var shown = runs.slice(0, info.shown);
      var lines = info.runs.length;  // the best runs, when there are too many to draw every one
      var total = info.total || lines;
      var plotted = !!container.querySelector(".mlr-plot");
      var listedPart = shown.length < (plotted ? runs.length : total) ? ", the best " + shown.length + " listed" : "";
      var drawn = lines < total ? "The best " + many(lines) + " of the " + many(total) + " runs are lines; " : "";
      caption.textContent = !plotted
        ? "The " + many(total) + " runs by rank, with their parameters" + listedPart +
          (window.matchMedia(NARROW).matches ? " (a wider screen draws them as parallel coordinates)." : ".")
        : drawn + (runs.length === lines ? (drawn ? "all " + many(lines) + " shown" : "The " + many(total) + " runs")
                   : many(runs.length) + " of " + many(lines) + " runs match the axis filters") +
          listedPart + ". The best run is the red line.";
      // Putting a picked line back changes no filter: the rows under the pointer stay as they are.
      var ids = runs.map(function (run) { return run.id; }).join("\n");
      if (ids === listed) return;
      listed = ids;
      body.replaceChildren.apply(body, shown.map(row));
    };
    container.mlrShowRuns();
  }

  /* -- wiring -------------------------------------------------------------------------------- */

  function drawCharts() {
    document.querySelectorAll("[data-mlr-chart]").forEach(drawChart);
  }

  var scheme = null;

  function currentScheme() {
    return document.body.getAttribute("data-md-color-scheme");
  }

  function init() {
    scheme = currentScheme();
    // Instant navigation swapped the content: charts of the page left are not drawn any more.
    if (observer) observer.disconnect();
    queue = queue.filter(function (container) { return container.isConnected; });
    drawCharts();
  }

  api.drawChart = drawChart;

  // Material swaps the palette by changing this attribute on <body>, and instant navigation may
  // swap <body> itself: watch from <html> down, for this one attribute, and redraw only when
  // the scheme really changed (pages set it again on every navigation). Charts not drawn yet
  // take the palette of the moment they are drawn.
  new MutationObserver(function () {
    if (currentScheme() === scheme) return;
    scheme = currentScheme();
    document.querySelectorAll("[data-mlr-chart][data-mlr-chart-state='drawn']").forEach(drawChart);
  }).observe(document.documentElement, {attributes: true, attributeFilter: ["data-md-color-scheme"],
                                        subtree: true});

  api.onEveryPage(init);
})();
