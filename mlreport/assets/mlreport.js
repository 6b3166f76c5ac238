/* mlreport: draws the browser tables (Tabulator) of generated pages; charts.js draws the charts.
 *
 * Pages point tables at JSON data files, so a page stays small however much it shows; nothing
 * from a record is ever inserted as HTML here (text nodes only). Works under Material's instant
 * navigation (document$).
 */
(function () {
  "use strict";

  // This script lives at <site>/assets/mlreport/mlreport.js: the site root is two levels up.
  var ROOT = new URL("../../", document.currentScript.src);

  function siteUrl(path) {
    return new URL(path, ROOT).href;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function isWebUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url);
  }

  /* -- numbers, as the pages print them ------------------------------------------------------ */

  // The rules come from Python (mlreport/metrics.py) through number-format.js, loaded before this.
  var FORMAT = window.MLREPORT_NUMBER_FORMAT;

  // A metric's own decimal places (one format per metric, decided in Python); undefined for others.
  function placesOf(metric) {
    return metric && FORMAT.places && Object.prototype.hasOwnProperty.call(FORMAT.places, metric)
      ? FORMAT.places[metric] : undefined;
  }

  // One formatter per number of places: toLocaleString with options builds one per call, and a
  // table page formats hundreds of cells on every sort.
  var FIXED = {};

  function fixed(value, places) {
    if (!FIXED[places]) {
      FIXED[places] = new Intl.NumberFormat("en-US", {minimumFractionDigits: places, maximumFractionDigits: places});
    }
    return FIXED[places].format(value);
  }

  function formatNumber(value, metric) {
    if (value === null || value === undefined || value === "") return "";
    if (typeof value !== "number") return String(value);
    if (!isFinite(value)) return "—";
    var places = placesOf(metric);
    if (places !== undefined) return fixed(value, places);
    if (Number.isInteger(value) && Math.abs(value) < 1e15) return value.toLocaleString("en-US");
    if (Math.abs(value) >= FORMAT.grouped_from) {
      return value.toLocaleString("en-US", {minimumFractionDigits: 1, maximumFractionDigits: 1});
    }
    return String(Number(value.toPrecision(FORMAT.significant)));
  }

  // ✓ better / ✗ worse beside the signed difference: an arrow would say "up", not "better".
  function deltaElement(value, goal, metric) {
    if (value === null || value === undefined || !isFinite(value)) return el("span");
    var places = placesOf(metric);
    var size = places !== undefined ? Number(Math.abs(value).toFixed(places))
                                    : Number(Math.abs(value).toPrecision(FORMAT.delta_significant));
    if (size === 0) {
      var same = el("span", "mlr-delta mlr-same", "±0");
      same.title = "the same";
      return same;
    }
    var better = goal === "min" ? value < 0 : value > 0;
    var magnitude = places !== undefined ? fixed(size, places) : String(size);
    var node = el("span", "mlr-delta " + (better ? "mlr-better" : "mlr-worse"),
                  (better ? "✓ " : "✗ ") + (value > 0 ? "+" : "-") + magnitude);
    node.title = better ? "better" : "worse";
    return node;
  }

  function slug(text) {
    return String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  }

  /* -- tables -------------------------------------------------------------------------------- */

  var FORMATTERS = {
    text: function (cell) {
      var node = el("span", "", cell.getValue());
      node.title = cell.getValue() || "";
      return node;
    },
    date: function (cell) { return el("span", "mlr-date", cell.getValue()); },
    link: function (cell) {
      var row = cell.getRow().getData();
      var link = el("a", "", cell.getValue());
      link.href = siteUrl(row.url);
      if (row.id) link.title = row.id;
      if (!row.production) return link;
      // The run behind a model in production: the first thing a reader of a board asks about.
      var holder = el("span");
      var badge = el("span", "mlr-badge mlr-model-production mlr-in-production", "production");
      badge.title = "in production: " + row.production;
      holder.appendChild(link);
      holder.appendChild(document.createTextNode(" "));
      holder.appendChild(badge);
      return holder;
    },
    status: function (cell) {
      var value = cell.getValue() || "";
      return value ? el("span", "mlr-badge mlr-status-" + slug(value), value) : el("span");
    },
    number: function (cell, params) { return el("span", "mlr-number", formatNumber(cell.getValue(), params.metric)); },
    delta: function (cell, params) { return deltaElement(cell.getValue(), params.goal, params.metric); },
    list: function (cell) {
      var items = cell.getValue() || [];
      var holder = el("span");
      holder.title = items.join(", ");
      items.forEach(function (item) { holder.appendChild(el("span", "mlr-chip", item)); });
      return holder;
    },
    pr: function (cell) {
      var value = cell.getValue();
      if (value === null || value === undefined) return el("span");
      var url = cell.getRow().getData().pr_url;
      if (!isWebUrl(url)) return el("span", "", "#" + value);
      var link = el("a", "", "#" + value);
      link.href = url;
      return link;
    },
  };

  function textTitle(cell) {
    return el("span", "", cell.getValue());
  }

  function textItem(label) {
    return el("span", "", label);
  }

  function distinct(rows, field, isList) {
    var seen = {};
    rows.forEach(function (row) {
      var value = row[field];
      (isList ? value || [] : [value]).forEach(function (item) {
        if (item !== null && item !== undefined && item !== "") seen[item] = true;
      });
    });
    return Object.keys(seen).sort();
  }

  // Below this width a frozen 220–420 px title column would cover the whole table, scores and all.
  var NARROW = "(max-width: 700px)";

  function column(spec, rows, narrow) {
    var numeric = spec.kind === "number" || spec.kind === "delta" || spec.kind === "pr";
    var def = {
      title: spec.title, field: spec.field, formatter: FORMATTERS[spec.kind] || FORMATTERS.text,
      titleFormatter: textTitle, hozAlign: numeric ? "right" : "left", headerHozAlign: numeric ? "right" : "left",
      sorter: numeric ? numberSorter : textSorter(rows, spec.field, spec.kind === "list"),
      formatterParams: {goal: spec.goal, metric: spec.metric},
      headerTooltip: spec.title, minWidth: 60,
    };
    // Titles wrap; other text is cut with an ellipsis (the full value is in the tooltip).
    if (spec.kind === "link") {
      def.cssClass = "mlr-wrap";
      if (narrow) { def.minWidth = 110; def.maxWidth = 160; } else { def.minWidth = 220; def.maxWidth = 420; def.frozen = true; }
    }
    if (spec.kind === "list" || spec.kind === "text") { def.maxWidth = 200; }
    if (spec.filter === "text") {
      def.headerFilter = "input";
      def.headerFilterPlaceholder = "filter…";
      def.headerFilterFunc = function (wanted, value, row) {
        var needle = String(wanted).toLowerCase();
        return String(value || "").toLowerCase().indexOf(needle) >= 0 ||
          String(row.id || "").toLowerCase().indexOf(needle) >= 0;
      };
    } else if (spec.filter === "select" || spec.filter === "list") {
      var isList = spec.filter === "list";
      def.headerFilter = "list";
      def.headerFilterPlaceholder = "all";
      def.headerFilterParams = {values: distinct(rows, spec.field, isList), clearable: true,
                                itemFormatter: textItem, autocomplete: false};
      def.headerFilterFunc = isList
        ? function (wanted, value) { return !wanted || (value || []).indexOf(wanted) >= 0; }
        : function (wanted, value) { return !wanted || value === wanted; };
    }
    return def;
  }

  // On a phone the metrics come right after the title, so a row's score shows without scrolling sideways.
  function phoneOrder(specs, narrow) {
    if (!narrow) return specs;
    var title = specs.findIndex(function (spec) { return spec.kind === "link"; });
    var metrics = specs.filter(function (spec) { return spec.metric; });
    var rest = specs.filter(function (spec) { return !spec.metric; });
    var at = rest.indexOf(specs[title]) + 1;
    return rest.slice(0, at).concat(metrics, rest.slice(at));
  }

  // Sorters in Tabulator's own order (empty values first when ascending), cheap enough for 10,000 rows:
  // a sort compares ~130,000 pairs, and a filter sorts again what it keeps. Numbers compare as they
  // are; text is ranked once per column (every distinct value, by one collator) and then compared
  // by rank, instead of lower-casing and collating both sides of every pair.
  var COLLATOR = new Intl.Collator();

  function numberSorter(a, b) {
    var x = typeof a === "number" ? a : parseFloat(a);
    var y = typeof b === "number" ? b : parseFloat(b);
    if (x !== x) return y !== y ? 0 : -1;  // NaN: an empty cell
    if (y !== y) return 1;
    return x - y;
  }

  function sortText(value, isList) {
    if (isList) return (value || []).join(", ");
    return value ? String(value).toLowerCase() : "";
  }

  // value -> its place among the column's distinct values (the empty value first).
  function textRanks(rows, field, isList) {
    var keys = new Map();
    rows.forEach(function (row) {
      var value = row[field];
      var key = isList ? sortText(value, true) : value;
      if (!keys.has(key)) keys.set(key, sortText(value, isList));
    });
    var texts = Array.from(new Set(keys.values())).sort(function (x, y) {
      if (!x) return y ? -1 : 0;
      if (!y) return 1;
      return COLLATOR.compare(x, y);
    });
    var place = new Map(texts.map(function (text, i) { return [text, i]; }));
    var ranks = new Map();
    keys.forEach(function (text, key) { ranks.set(key, place.get(text)); });
    return ranks;
  }

  function textSorter(rows, field, isList) {
    var ranks = null;  // on the first sort by this column
    return function (a, b) {
      if (!ranks) ranks = textRanks(rows, field, isList);
      var x = ranks.get(isList ? sortText(a, true) : a), y = ranks.get(isList ? sortText(b, true) : b);
      if (x === undefined || y === undefined) {  // a value the rows did not hold when ranked
        return COLLATOR.compare(sortText(a, isList), sortText(b, isList));
      }
      return x - y;
    };
  }

  /* -- a table's sort and filters in the address, so a view is a link ----------------------- */

  var SORT_PARAM = "sort";
  var FILTER_PREFIX = "filter.";

  function stateFromUrl(specs) {
    var params = new URLSearchParams(window.location.search);
    var fields = specs.map(function (spec) { return spec.field; });
    var sort = (params.get(SORT_PARAM) || "").split(":");
    var state = {sort: null, filters: []};
    if (fields.indexOf(sort[0]) >= 0) state.sort = {column: sort[0], dir: sort[1] === "desc" ? "desc" : "asc"};
    params.forEach(function (value, key) {
      var field = key.slice(FILTER_PREFIX.length);
      if (key.indexOf(FILTER_PREFIX) === 0 && fields.indexOf(field) >= 0 && value) {
        state.filters.push({field: field, value: value});
      }
    });
    return state;
  }

  // The default sort stays out of the address: a plain view keeps a plain link.
  function stateToUrl(table, defaultSort) {
    var params = new URLSearchParams(window.location.search);
    Array.from(params.keys()).forEach(function (key) {
      if (key === SORT_PARAM || key.indexOf(FILTER_PREFIX) === 0) params.delete(key);
    });
    var sorters = table.getSorters();
    var sorted = sorters.length ? sorters[0].field + ":" + sorters[0].dir : "";
    if (sorted && sorted !== defaultSort) params.set(SORT_PARAM, sorted);
    table.getHeaderFilters().forEach(function (filter) {
      if (filter.value) params.set(FILTER_PREFIX + filter.field, filter.value);
    });
    var query = params.toString();
    history.replaceState(history.state, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
  }

  /* -- the query box: mlreport's query language over the rows (assets/query.js) --------------- */

  var QUERY_DELAY_MS = 150;
  var fieldsLoading = {};  // data file -> Promise of {id: the experiment's query fields}

  // One fetch per page session however many tables ask; the file is loaded only once a query is.
  function loadFields(path) {
    if (!fieldsLoading[path]) {
      fieldsLoading[path] = fetch(siteUrl(path)).then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + response.statusText);
        return response.json();
      }).then(function (data) {
        var byId = Object.create(null);
        data.rows.forEach(function (fields) { byId[fields.id] = fields; });
        return byId;
      }).catch(function (error) {
        delete fieldsLoading[path];  // the next keystroke tries again
        throw error;
      });
    }
    return fieldsLoading[path];
  }

  function queryBox(table, data) {
    var box = el("div", "mlr-query");
    var input = el("input", "mlr-query-input");
    input.type = "search";
    input.spellcheck = false;
    input.autocomplete = "off";
    input.placeholder = "Filter: metrics.test.pr_auc > 0.7 and tags contains 'gbm'";
    input.title = "MLflow's search syntax: metrics.X, params.X, tags.X, id, title, status, task, dataset, model, " +
      "date, author; = != < <= > >= LIKE ILIKE IN IS NULL contains; and, or, not, ( )";
    input.setAttribute("aria-label", "Filter the rows with a query");
    input.dataset.mlrQuery = "";
    var count = el("span", "mlr-query-count");
    count.dataset.mlrQueryCount = "";
    count.setAttribute("aria-live", "polite");
    var problem = el("div", "mlr-query-error");
    problem.dataset.mlrQueryError = "";
    problem.hidden = true;
    var line = el("div", "mlr-query-line");
    line.append(input, count);
    box.append(line, problem);

    var total = data.rows.length;
    var noun = total === 1 ? "row" : "rows";
    var timer = null;
    var shownSelection = null;  // the ids the table's filter shows, newline-joined; null when unfiltered

    function showCount(shown) {
      count.textContent = shown === total ? total + " " + noun : shown + " of " + total + " " + noun;
    }

    function showProblem(text, error) {
      input.setAttribute("aria-invalid", "true");
      problem.dataset.column = error.column;
      // The expression with a caret under the column at fault, then what was expected.
      var where = el("pre", "mlr-query-caret", text + "\n" + " ".repeat(error.column - 1) + "^");
      problem.replaceChildren(el("span", "", "Column " + error.column + ": " + error.message), where);
      problem.hidden = false;
    }

    function clearProblem() {
      input.removeAttribute("aria-invalid");
      problem.hidden = true;
      problem.replaceChildren();
      delete problem.dataset.column;
    }

    function apply(text) {
      var test;
      try {
        test = window.mlreportQuery.parse(text);
      } catch (error) {
        if (!(error instanceof window.mlreportQuery.QueryError)) throw error;
        showProblem(text, error);  // the rows stay as the last good filter left them
        return;
      }
      clearProblem();
      window.mlreportQuery.keepInAddress(text);  // a filtered view is a permalink
      if (!text.trim()) {
        shownSelection = null;
        table.clearFilter();
        box.dataset.mlrQueryState = "ready";
        return;
      }
      box.dataset.mlrQueryState = "loading";
      loadFields(data.query.fields).then(function (byId) {
        if (input.value !== text) return;  // a later keystroke has its own turn
        var matched = Object.create(null);
        var ids = [];
        data.rows.forEach(function (row) {
          var fields = byId[row.id];
          if (fields && test(fields)) {
            matched[row.id] = true;
            ids.push(row.id);
          }
        });
        // Redrawing the table is most of a keystroke's cost: skip it when the rows stay the same.
        var selection = ids.join("\n");
        if (selection !== shownSelection) {
          shownSelection = selection;
          table.setFilter(function (row) { return matched[row.id] === true; });
        }
        box.dataset.mlrQueryState = "ready";
      }, function (error) {
        problem.replaceChildren(el("span", "", "The query data could not be loaded (" + error.message + ")."));
        problem.hidden = false;
        box.dataset.mlrQueryState = "failed";
      });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { apply(input.value); }, QUERY_DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      clearTimeout(timer);
      apply(input.value);
    });
    table.on("dataFiltered", function (filters, rows) { showCount(rows.length); });
    showCount(total);
    box.mlrStart = function () {
      input.value = window.mlreportQuery.fromAddress();
      if (input.value) apply(input.value);
      else box.dataset.mlrQueryState = "ready";
    };
    return box;
  }

  // Once laid out, the columns keep their widths: fitting them to their cells again on every sort,
  // filter or page measures every cell (a layout each), most of a redraw's cost on a large table.
  function fixWidths(table) {
    var widths = table.getColumns().map(function (col) { return [col, col.getWidth()]; });
    table.blockRedraw();
    widths.forEach(function (pair) { if (pair[1] > 0) pair[0].setWidth(pair[1]); });
    table.restoreRedraw();
  }

  function buildTable(container, data) {
    var holder = el("div", "mlr-table-holder");
    var compare = null;
    var toolbar = el("div", "mlr-table-toolbar");
    toolbar.appendChild(el("span", "mlr-table-hint", data.selectable
      ? "Tick two or more runs to compare them side by side. The address keeps the sort and filters."
      : "The address keeps the sort and filters."));
    var actions = el("span", "mlr-table-actions");
    var download = el("button", "md-button mlr-download", "Download CSV");
    download.type = "button";
    download.title = "The rows these filters show, as a CSV file";
    actions.appendChild(download);
    if (data.selectable) {
      compare = el("button", "md-button md-button--primary mlr-compare", "Compare selected");
      compare.type = "button";
      compare.disabled = true;
      actions.appendChild(compare);
    }
    toolbar.appendChild(actions);
    container.replaceChildren(toolbar, holder);
    var placeQuery = function (table) {
      if (!data.query || !window.mlreportQuery) return null;
      var box = queryBox(table, data);
      container.insertBefore(box, holder);
      return box;
    };
    container.classList.add("mlr-table--ready");

    var narrow = window.matchMedia(NARROW).matches;
    var columns = phoneOrder(data.columns, narrow).map(function (spec) { return column(spec, data.rows, narrow); });
    if (data.selectable) {
      columns.unshift({formatter: "rowSelection", titleFormatter: "rowSelection", hozAlign: "center",
                       headerHozAlign: "center", headerSort: false, width: 40, resizable: false, cssClass: "mlr-select",
                       frozen: !narrow, titleFormatterParams: {rowRange: "active"}});
    }
    var state = stateFromUrl(data.columns);
    var sort = state.sort || (data.sort ? {column: data.sort.field, dir: data.sort.dir} : null);
    var table = new Tabulator(holder, {
      data: data.rows, columns: columns, index: "id", layout: "fitDataStretch",
      nestedFieldSeparator: false, pagination: true, paginationSize: data.page_size || 50,
      paginationSizeSelector: [25, 50, 100, 500], paginationCounter: "rows",
      initialSort: sort ? [sort] : [], initialHeaderFilter: state.filters,
      selectableRows: data.selectable ? true : false, placeholder: "No rows match these filters",
      movableColumns: true, columnHeaderVertAlign: "bottom",
      // A page holds at most a few hundred rows and the table no fixed height: the virtual renderer
      // would measure every row's height one layout at a time, and redraw on each change of height.
      renderVertical: "basic",
    });

    var query = placeQuery(table);
    // Row heights are measured while the page may still be settling; measure again once built.
    table.on("tableBuilt", function () {
      setTimeout(function () {
        table.redraw(true);
        fixWidths(table);
      }, 0);
      if (query) query.mlrStart();  // a ?q= in the address filters the table as it opens
      // Only once built: the initial sort and filters are already what the address says.
      var defaultSort = data.sort ? data.sort.field + ":" + data.sort.dir : "";
      table.on("dataSorted", function () { stateToUrl(table, defaultSort); });
      table.on("dataFiltered", function () { stateToUrl(table, defaultSort); });
    });
    download.addEventListener("click", function () {
      var name = (container.getAttribute("data-mlr-table") || "table").split("/").pop().replace(/\.json$/, "");
      table.download("csv", name + ".csv", {}, "active");
    });
    if (compare) {
      table.on("rowSelectionChanged", function (selected) {
        compare.disabled = selected.length < 2;
        compare.textContent = selected.length ? "Compare selected (" + selected.length + ")" : "Compare selected";
      });
      compare.addEventListener("click", function () {
        var ids = table.getSelectedData().map(function (row) { return encodeURIComponent(row.id); });
        window.location.href = siteUrl(data.compare) + "?ids=" + ids.join(",");
      });
    }
  }

  function fetchData(path) {
    return fetch(siteUrl(path)).then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      return response.json();
    });
  }

  // Why a data file could not be read, in words a reader can act on.
  function unreadable(error) {
    return location.protocol === "file:"
      ? "browsers do not let a page opened from disk read its data files: serve the site instead " +
        "(mlreport serve, or python -m http.server in the site folder)"
      : error.message;
  }

  function loadTable(container) {
    if (container.dataset.mlrState) return;
    container.dataset.mlrState = "loading";
    fetchData(container.dataset.mlrTable)
      .then(function (data) {
        buildTable(container, data);
        container.dataset.mlrState = "ready";
      })
      .catch(function (error) {
        // The Markdown fallback stays in place; say why the full table is missing.
        container.dataset.mlrState = "failed";
        container.appendChild(el("p", "mlr-table-error",
                                 "The full table could not be loaded (" + unreadable(error) + ")."));
      });
  }

  /* -- wiring -------------------------------------------------------------------------------- */

  // The pieces other mlreport scripts (the compare view) build on.
  // Run `init` on every page view: Material's instant navigation swaps content without a reload.
  function onEveryPage(init) {
    if (typeof document$ !== "undefined" && document$.subscribe) {
      document$.subscribe(init);
    } else if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", init);
    } else {
      init();
    }
  }

  // charts.js, loaded after this script, adds drawChart.
  window.mlreport = {onEveryPage: onEveryPage, el: el, siteUrl: siteUrl, formatNumber: formatNumber,
                     deltaElement: deltaElement, slug: slug, fetchData: fetchData, unreadable: unreadable};

  /* -- copy buttons ------------------------------------------------------------------------- */

  // Commands to run an experiment again: one click copies them (the page may not be a secure context,
  // where the Clipboard API is missing, so a selection and execCommand stand in).
  function themeCopies() {
    // Material's `content.code.copy` gives every code block its own button already.
    var config = document.getElementById("__config");
    try { return JSON.parse(config.textContent).features.indexOf("content.code.copy") >= 0; } catch (e) { return false; }
  }

  function addCopyButton(block) {
    if (block.querySelector(".mlr-copy") || themeCopies()) return;
    var code = block.querySelector("pre");
    var button = el("button", "md-button mlr-copy", "Copy");
    button.type = "button";
    button.title = "Copy the commands";
    button.addEventListener("click", function () {
      var text = code.innerText;
      var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { copyBySelection(code); done(); });
      } else {
        copyBySelection(code);
        done();
      }
    });
    block.appendChild(button);
  }

  function copyBySelection(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand("copy");
    selection.removeAllRanges();
  }

  function init() {
    document.querySelectorAll("[data-mlr-table]").forEach(loadTable);
    document.querySelectorAll("[data-mlr-copy]").forEach(addCopyButton);
  }

  onEveryPage(init);
})();
