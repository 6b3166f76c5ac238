/* mlreport: the compare view. Experiments side by side: overview, metrics (best per direction
 * marked), parameters ("only differences"), training curves overlaid.
 *
 * The selection lives in the URL (?ids=a,b,c&diff=1, or a query: ?q=tags contains 'sweep', read
 * by assets/query.js on data/query.json): a reload or a shared link shows the same comparison. Data comes from the experiments index (the picker) and each experiment's detail
 * file, whose `goals` say which direction of each metric is better (decided in Python, not here).
 * Record values are only ever inserted as text. Uses the helpers mlreport.js exports.
 */
(function () {
  "use strict";

  var details = {};  // id -> Promise of the detail data, or of null when there is none
  var index = null;  // Promise of the experiments index rows

  function api() {
    return window.mlreport;
  }

  function el(tag, className, text) {
    return api().el(tag, className, text);
  }

  function decode(text) {
    try {
      return decodeURIComponent(text.replace(/\+/g, " "));
    } catch (error) {
      return text;
    }
  }

  /* -- the selection, in the URL ------------------------------------------------------------ */

  // Ids are split on raw commas before decoding, so an id holding an encoded comma survives.
  function readState(config) {
    var state = {ids: [], diff: false, q: ""};
    window.location.search.replace(/^\?/, "").split("&").forEach(function (pair) {
      var eq = pair.indexOf("=");
      var key = decode(eq < 0 ? pair : pair.slice(0, eq));
      var value = eq < 0 ? "" : pair.slice(eq + 1);
      if (key === config.query.ids) {
        value.split(",").forEach(function (part) {
          var id = decode(part).trim();
          if (id && state.ids.indexOf(id) < 0) state.ids.push(id);
        });
      } else if (key === config.query.diff) {
        state.diff = value === "1" || value === "true";
      }
    });
    state.q = window.mlreportQuery.fromAddress();
    return state;
  }

  // A selection picked by hand replaces the query it may have started from.
  function writeState(config, state) {
    state.q = "";
    var params = window.location.search.replace(/^\?/, "").split("&").filter(function (pair) {
      var key = decode(pair.split("=")[0]);
      return pair && key !== config.query.ids && key !== config.query.diff && key !== window.mlreportQuery.parameter;
    });
    if (state.ids.length) params.push(config.query.ids + "=" + state.ids.map(encodeURIComponent).join(","));
    if (state.diff) params.push(config.query.diff + "=1");
    var url = window.location.pathname + (params.length ? "?" + params.join("&") : "") + window.location.hash;
    window.history.replaceState(window.history.state, "", url);
  }

  /* -- data ---------------------------------------------------------------------------------- */

  function fetchJson(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      return response.json();
    });
  }

  function loadIndex(config) {
    if (!index) {
      index = fetchJson(api().siteUrl(config.index))
        .then(function (data) { return data.rows || []; })
        .catch(function () { index = null; return null; });
    }
    return index;
  }

  function loadDetail(config, id) {
    if (!details[id]) {
      var name = Object.prototype.hasOwnProperty.call(config.renamed, id) ? config.renamed[id] : id;
      details[id] = fetchJson(api().siteUrl(config.details + encodeURIComponent(name) + ".json"))
        .catch(function () { return null; });
    }
    return details[id];
  }

  /* -- shared pieces ------------------------------------------------------------------------- */

  // Plotly reads a few HTML tags in labels; record text must show as itself.
  function label(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function badge(status) {
    return status ? el("span", "mlr-badge mlr-status-" + api().slug(status), status) : el("span");
  }

  function valueText(value, metric) {
    if (value === undefined) return "—";
    if (value === null) return "null";
    if (typeof value === "boolean") return value ? "true" : "false";
    return api().formatNumber(value, metric);
  }

  function union(runs, field) {
    var seen = {};
    runs.forEach(function (run) {
      Object.keys(run[field] || {}).forEach(function (name) { seen[name] = (seen[name] || 0) + 1; });
    });
    return seen;
  }

  function section(title, hook) {
    var holder = el("section", "mlr-compare-section");
    holder.dataset.mlrCompareSection = hook;
    holder.appendChild(el("h2", "", title));
    return holder;
  }

  function table(hook, firstHeading, runs) {
    var wrap = el("div", "mlr-compare-scroll");
    var node = el("table", "mlr-compare-table");
    node.dataset.mlrCompareTable = hook;
    var head = el("thead");
    var row = el("tr");
    row.appendChild(el("th", "", firstHeading));
    runs.forEach(function (run) {
      var th = el("th");
      th.dataset.id = run.id;
      var link = el("a", "", run.title || run.id);
      link.href = api().siteUrl(run.url);
      th.appendChild(link);
      th.appendChild(el("small", "mlr-compare-id", run.id));
      row.appendChild(th);
    });
    head.appendChild(row);
    node.appendChild(head);
    node.appendChild(el("tbody"));
    wrap.appendChild(node);
    return {wrap: wrap, body: node.tBodies[0]};
  }

  function bodyRow(name, runs, cell) {
    var row = el("tr");
    row.dataset.name = name;
    var th = el("th", "", name);
    th.scope = "row";
    row.appendChild(th);
    runs.forEach(function (run, column) {
      var td = el("td");
      td.dataset.id = run.id;
      cell(td, run, column);
      row.appendChild(td);
    });
    return row;
  }

  /* -- the sections -------------------------------------------------------------------------- */

  var OVERVIEW = [
    ["Status", function (td, run) { td.appendChild(badge(run.status)); }],
    ["Date", function (td, run) { td.textContent = run.date || ""; }],
    ["Task", function (td, run) { td.textContent = run.task || ""; }],
    ["Dataset", function (td, run) { td.textContent = run.dataset || ""; }],
    ["Model", function (td, run) { td.textContent = run.model || ""; }],
    ["Baseline", function (td, run) { td.textContent = run.baseline || ""; }],
  ];

  function overview(runs) {
    var holder = section("Overview", "overview");
    var built = table("overview", "", runs);
    OVERVIEW.forEach(function (item) { built.body.appendChild(bodyRow(item[0], runs, item[1])); });
    holder.appendChild(built.wrap);
    return holder;
  }

  function metrics(runs) {
    var holder = section("Metrics", "metrics");
    var names = Object.keys(union(runs, "metrics")).sort();
    if (!names.length) {
      holder.appendChild(el("p", "mlr-compare-empty", "None of these experiments records metrics."));
      return holder;
    }
    holder.appendChild(el("p", "mlr-compare-hint",
      "The best value of each metric is highlighted; Δ is the change from the first experiment (the leftmost): " +
      "✓ better, ✗ worse, in the metric's direction."));
    var built = table("metrics", "Metric", runs);
    names.forEach(function (name) {
      var goal = "max";
      runs.forEach(function (run) { if (run.goals && run.goals[name]) goal = run.goals[name]; });
      var values = runs.map(function (run) { return run.metrics[name]; })
        .filter(function (v) { return typeof v === "number" && isFinite(v); });
      var best = values.length > 1 ? (goal === "min" ? Math.min.apply(null, values) : Math.max.apply(null, values)) : null;
      var reference = runs[0].metrics[name];
      var row = bodyRow(name, runs, function (td, run, column) {
        var value = run.metrics[name];
        td.className = "mlr-number";
        var shown = el("span", "", valueText(value, name));
        if (best !== null && value === best) {
          shown.className = "mlr-best";
          shown.title = "best of these (" + (goal === "min" ? "lower" : "higher") + " is better)";
          td.dataset.best = "true";
        }
        td.appendChild(shown);
        if (column > 0 && typeof value === "number" && typeof reference === "number") {
          td.appendChild(document.createTextNode(" "));
          td.appendChild(api().deltaElement(value - reference, goal, name));
        }
      });
      row.dataset.goal = goal;
      var arrow = el("span", "mlr-goal", goal === "min" ? " ↓" : " ↑");
      arrow.title = goal === "min" ? "lower is better" : "higher is better";
      row.cells[0].appendChild(arrow);
      built.body.appendChild(row);
    });
    holder.appendChild(built.wrap);
    return holder;
  }

  function same(values) {
    var first = JSON.stringify(values[0]);
    return values.every(function (value) { return value !== undefined && JSON.stringify(value) === first; });
  }

  function params(runs, state, config) {
    var holder = section("Parameters", "params");
    var names = Object.keys(union(runs, "params")).sort();
    if (!names.length) {
      holder.appendChild(el("p", "mlr-compare-empty", "None of these experiments records parameters."));
      return holder;
    }
    var differing = 0;
    var built = table("params", "Parameter", runs);
    names.forEach(function (name) {
      var values = runs.map(function (run) { return run.params[name]; });
      var equal = same(values);
      if (!equal) differing += 1;
      var first = JSON.stringify(values[0]);
      var row = bodyRow(name, runs, function (td, run, column) {
        var value = run.params[name];
        td.textContent = valueText(value);
        if (column > 0 && JSON.stringify(value) !== first) {
          td.className = "mlr-differs";
          td.title = "differs from the first experiment";
        }
      });
      row.dataset.same = String(equal);
      built.body.appendChild(row);
    });
    var toggle = el("label", "mlr-compare-toggle");
    var box = el("input");
    box.type = "checkbox";
    box.checked = state.diff;
    box.dataset.mlrCompareDiff = "";
    toggle.appendChild(box);
    toggle.appendChild(document.createTextNode(" Only differences (" + differing + " of " + names.length +
      " parameters differ; highlighted: differs from the first experiment)"));
    function apply() {
      built.body.querySelectorAll('tr[data-same="true"]').forEach(function (row) { row.hidden = state.diff; });
    }
    box.addEventListener("change", function () {
      state.diff = box.checked;
      writeState(config, state);
      apply();
    });
    apply();
    holder.appendChild(toggle);
    holder.appendChild(built.wrap);
    return holder;
  }

  // At most `limit` points that keep a curve's shape: the rule of render/charts.py's lttb (largest triangle,
  // three buckets), point for point, so a curve looks the same here as on its experiment's page. Detail
  // files keep every point; a chart of 200,000 points would take seconds to draw.
  function lttb(points, limit) {
    if (points.length <= limit || limit < 3) return points;
    var kept = [points[0]];
    var width = (points.length - 2) / (limit - 2);
    var previous = points[0];
    for (var bucket = 0; bucket < limit - 2; bucket++) {
      var start = Math.floor(bucket * width) + 1, end = Math.floor((bucket + 1) * width) + 1;
      var stop = Math.min(Math.floor((bucket + 2) * width) + 1, points.length);
      var meanX = 0, meanY = 0;
      for (var i = end; i < stop; i++) { meanX += points[i][0]; meanY += points[i][1]; }
      meanX /= stop - end;
      meanY /= stop - end;
      var px = previous[0], py = previous[1], best = null, largest = -1;
      for (var j = start; j < end; j++) {
        var area = Math.abs((px - meanX) * (points[j][1] - py) - (px - points[j][0]) * (meanY - py));
        if (area > largest) { largest = area; best = points[j]; }
      }
      previous = best;
      kept.push(previous);
    }
    kept.push(points[points.length - 1]);
    return kept;
  }

  function curves(runs, config) {
    var holder = section("Training curves", "curves");
    var counts = union(runs, "history");
    var wanted = runs.length > 1 ? 2 : 1;
    var names = Object.keys(counts).filter(function (name) { return counts[name] >= wanted; })
      .sort(function (a, b) { return counts[b] - counts[a] || (a < b ? -1 : a > b ? 1 : 0); });
    if (!names.length) {
      holder.appendChild(el("p", "mlr-compare-empty", runs.length > 1
        ? "These experiments share no recorded training curve." : "This experiment records no training curve."));
      return holder;
    }
    var grid = el("div", "mlr-charts");
    holder.appendChild(grid);
    names.forEach(function (name) {
      var traces = runs.filter(function (run) { return run.history && run.history[name]; }).map(function (run) {
        var points = lttb(run.history[name], config.max_curve_points);
        return {
          type: "scatter", mode: "lines", name: label(run.id),
          x: points.map(function (p) { return p[0]; }), y: points.map(function (p) { return p[1]; }),
          hovertemplate: label(run.id) + "<br>step %{x}: %{y}<extra></extra>",
        };
      });
      var spec = {data: traces, layout: {title: {text: label(name)}, showlegend: true,
                                         xaxis: {title: {text: "step"}}, yaxis: {title: {text: label(name)}}}};
      var chart = el("div", "mlr-chart");
      chart.dataset.mlrChart = "";
      chart.dataset.metric = name;
      var source = el("script");
      source.type = "application/json";
      source.textContent = JSON.stringify(spec);
      chart.appendChild(source);
      grid.appendChild(chart);
    });
    // Drawn once in the page, so that their width is known.
    holder.mlrDraw = function () { grid.querySelectorAll("[data-mlr-chart]").forEach(api().drawChart); };
    return holder;
  }

  // Feature importances side by side: one bar per run for each feature any of them ranks in its top 20,
  // features by their largest importance in any run. Null when no run records importances.
  function importances(runs, config) {
    var explained = runs.filter(function (run) { return run.importance && run.importance.length; });
    if (!explained.length) return null;
    var holder = section("Feature importance", "importance");
    var largest = {};
    explained.forEach(function (run) {
      run.importance.forEach(function (pair) {
        largest[pair[0]] = Math.max(largest[pair[0]] || 0, Math.abs(pair[1]));
      });
    });
    var names = Object.keys(largest).sort(function (a, b) {
      return largest[b] - largest[a] || (a < b ? -1 : a > b ? 1 : 0);
    }).slice(0, config.top_features);
    var traces = explained.map(function (run) {
      var values = {};
      run.importance.forEach(function (pair) { values[pair[0]] = pair[1]; });
      return {
        type: "bar", orientation: "h", name: label(run.id + (run.importance_method ? " (" + run.importance_method + ")" : "")),
        y: names.map(label), x: names.map(function (name) { return name in values ? values[name] : null; }),
        hovertemplate: label(run.id) + "<br>%{y}: %{x}<extra></extra>",
      };
    });
    var spec = {data: traces, layout: {barmode: "group", showlegend: true, height: 120 + names.length * 14 * traces.length,
                                       yaxis: {autorange: "reversed", automargin: true, type: "category"},
                                       xaxis: {title: {text: "importance"}}}};
    var chart = el("div", "mlr-chart mlr-importance");
    chart.dataset.mlrChart = "";
    var source = el("script");
    source.type = "application/json";
    source.textContent = JSON.stringify(spec);
    chart.appendChild(source);
    holder.appendChild(chart);
    if (explained.length < runs.length) {
      holder.appendChild(el("p", "mlr-compare-empty", "Not every experiment here records feature importances."));
    }
    holder.mlrDraw = function () { api().drawChart(chart); };
    return holder;
  }

  /* -- the picker ---------------------------------------------------------------------------- */

  function picker(root, config, state, rerender) {
    var bar = el("div", "mlr-compare-picker");
    bar.dataset.mlrComparePicker = "";
    var chosen = el("div", "mlr-compare-selected");
    chosen.dataset.mlrCompareSelected = "";
    state.ids.forEach(function (id) {
      var chip = el("span", "mlr-compare-chip");
      chip.dataset.id = id;
      chip.appendChild(el("span", "", id));
      var remove = el("button", "mlr-compare-remove", "×");
      remove.type = "button";
      remove.title = "Remove " + id;
      remove.setAttribute("aria-label", "Remove " + id);
      remove.dataset.mlrCompareRemove = id;
      remove.addEventListener("click", function () {
        state.ids = state.ids.filter(function (other) { return other !== id; });
        writeState(config, state);
        rerender();
      });
      chip.appendChild(remove);
      chosen.appendChild(chip);
    });
    var search = el("input");
    search.type = "search";
    search.placeholder = "Add an experiment: type part of its id or title…";
    search.setAttribute("aria-label", "Add an experiment to the comparison");
    search.autocomplete = "off";
    search.dataset.mlrCompareSearch = "";
    var list = el("ul", "mlr-compare-suggestions");
    list.dataset.mlrCompareSuggestions = "";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var field = el("div", "mlr-compare-field");
    field.appendChild(search);
    field.appendChild(list);
    bar.appendChild(chosen);
    bar.appendChild(field);

    function add(id) {
      if (state.ids.indexOf(id) < 0) state.ids.push(id);
      writeState(config, state);
      rerender(true);
    }

    function suggest() {
      var needle = search.value.trim().toLowerCase();
      loadIndex(config).then(function (rows) {
        list.replaceChildren();
        if (!rows) {
          list.appendChild(el("li", "mlr-compare-none", "The experiments index could not be loaded."));
          list.hidden = false;
          return;
        }
        var matches = rows.filter(function (row) {
          return state.ids.indexOf(row.id) < 0 && (!needle || String(row.id).toLowerCase().indexOf(needle) >= 0 ||
            String(row.title || "").toLowerCase().indexOf(needle) >= 0);
        }).slice(0, 8);
        matches.forEach(function (row) {
          var item = el("li");
          var button = el("button", "mlr-compare-option");
          button.type = "button";
          button.setAttribute("role", "option");
          button.dataset.id = row.id;
          button.appendChild(el("span", "mlr-compare-option-title", row.title || row.id));
          button.appendChild(el("small", "", row.id + (row.date ? " · " + row.date : "")));
          button.addEventListener("mousedown", function (event) { event.preventDefault(); });
          button.addEventListener("click", function () { add(row.id); });
          item.appendChild(button);
          list.appendChild(item);
        });
        if (!matches.length) list.appendChild(el("li", "mlr-compare-none", "No experiment matches."));
        list.hidden = false;
      });
    }

    search.addEventListener("input", suggest);
    search.addEventListener("focus", suggest);
    search.addEventListener("blur", function () { list.hidden = true; });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        var first = list.querySelector("[data-id]");
        if (first) add(first.dataset.id);
        event.preventDefault();
      } else if (event.key === "Escape") {
        search.value = "";
        list.hidden = true;
      }
    });
    root.mlrSearch = search;
    return bar;
  }

  /* -- wiring -------------------------------------------------------------------------------- */

  function render(root, config, state, focusSearch) {
    var example = document.querySelector("[data-mlr-compare-example]");
    if (example) example.hidden = state.ids.length > 0;
    var rerender = function (focus) { render(root, config, state, focus); };
    var bar = picker(root, config, state, rerender);
    var results = el("div", "mlr-compare-results");
    root.replaceChildren(bar, results);
    if (focusSearch) root.mlrSearch.focus();
    if (!state.ids.length) {
      root.dataset.state = "empty";
      results.appendChild(el("p", "mlr-compare-empty",
        "Pick two or more experiments above, or tick them in the experiments table and press Compare selected."));
      return;
    }
    root.dataset.state = "loading";
    var wanted = state.ids.slice();
    Promise.all(wanted.map(function (id) { return loadDetail(config, id); })).then(function (runs) {
      if (wanted.join(",") !== state.ids.join(",")) return;  // the selection changed meanwhile
      var missing = wanted.filter(function (id, i) { return !runs[i]; });
      runs = runs.filter(Boolean);
      if (missing.length) {
        var warning = el("p", "mlr-compare-missing", "No experiment with the id " + missing.join(", ") + ".");
        warning.dataset.mlrCompareMissing = missing.join(",");
        results.appendChild(warning);
      }
      if (!runs.length) {
        root.dataset.state = "empty";
        return;
      }
      var drawn = [curves(runs, config), importances(runs, config)].filter(Boolean);
      [overview(runs), metrics(runs), params(runs, state, config)].concat(drawn).forEach(function (part) {
        results.appendChild(part);
      });
      drawn.forEach(function (part) { if (part.mlrDraw) part.mlrDraw(); });
      root.dataset.state = "ready";
    });
  }

  // The experiments a ?q= query selects, in id order, at most MAX_QUERIED; or a message saying why none.
  var MAX_QUERIED = 12;

  function queried(config, text) {
    var test;
    try {
      test = window.mlreportQuery.parse(text);
    } catch (error) {
      if (!(error instanceof window.mlreportQuery.QueryError)) throw error;
      return Promise.resolve({ids: [], note: "The query in the address cannot be read: column " + error.column + ": " +
                                              error.message + "."});
    }
    return fetchJson(api().siteUrl(config.fields)).then(function (data) {
      var ids = data.rows.filter(test).map(function (fields) { return fields.id; });
      var note = ids.length > MAX_QUERIED
        ? ids.length + " experiments match the query; comparing the first " + MAX_QUERIED + "."
        : ids.length ? "" : "No experiment matches the query.";
      return {ids: ids.slice(0, MAX_QUERIED), note: note};
    }, function (error) {
      return {ids: [], note: "The query data could not be loaded (" + error.message + ")."};
    });
  }

  function start(root, config, state) {
    if (!state.q || state.ids.length) {
      render(root, config, state, false);
      return;
    }
    queried(config, state.q).then(function (found) {
      window.mlreportQuery.keepInAddress(state.q);  // the comparison stays a permalink of its query
      state.ids = found.ids;
      render(root, config, state, false);
      if (found.note) {
        var note = el("p", "mlr-compare-query-note", found.note);
        note.dataset.mlrCompareQuery = state.q;
        root.querySelector(".mlr-compare-results").prepend(note);
      }
    });
  }

  function init() {
    var root = document.querySelector("[data-mlr-compare]");
    if (!root || root.dataset.mlrReady || !api()) return;
    root.dataset.mlrReady = "1";
    // Inside a <template>: instant navigation re-runs bare scripts as JavaScript, dropping `type`.
    var template = root.querySelector("template.mlr-data");
    var source = template && template.content.querySelector("script[data-mlr-compare-config]");
    if (!source) return;
    var config = JSON.parse(source.textContent);
    start(root, config, readState(config));
  }

  window.mlreport.onEveryPage(init);  // mlreport.js loads first
})();
