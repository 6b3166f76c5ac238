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

  // Plain values go into their cell as text, without an element of their own: a page of rows is
  // 650 cells, and every element is styled and laid out again whenever the page is drawn.
  function textNode(value) {
    return document.createTextNode(value === null || value === undefined ? "" : String(value));
  }

  var FORMATTERS = {
    text: function (cell) {
      cell.getElement().title = cell.getValue() || "";
      return textNode(cell.getValue());
    },
    date: function (cell) { return textNode(cell.getValue()); },
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
    number: function (cell, params) { return textNode(formatNumber(cell.getValue(), params.metric)); },
    delta: function (cell, params) { return deltaElement(cell.getValue(), params.goal, params.metric); },
    list: function (cell) {
      var items = cell.getValue() || [];
      var chips = document.createDocumentFragment();
      cell.getElement().title = items.join(", ");
      items.forEach(function (item) { chips.appendChild(el("span", "mlr-chip", item)); });
      return chips;
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

  // The values a select or list filter offers, computed when its list is first opened (not as the
  // page loads: six columns of 10,000 rows each). Tabulator asks once as it builds the filter, only
  // to mark the value the filter starts with (from the address): that answer is the value alone.
  function distinctLookup(rows, field, isList, initial) {
    var values = null;
    var asked = false;
    return function () {
      if (!asked) {
        asked = true;
        return initial ? [String(initial)] : [];
      }
      if (values) return values;
      var seen = new Set();
      for (var i = 0; i < rows.length; i++) {
        var value = rows[i][field];
        if (isList) {
          if (value) for (var j = 0; j < value.length; j++) seen.add(value[j]);
        } else {
          seen.add(value);
        }
      }
      values = Array.from(seen).filter(function (item) {
        return item !== null && item !== undefined && item !== "";
      }).map(String).sort();
      return values;
    };
  }

  // Below this width a frozen 220–420 px title column would cover the whole table, scores and all.
  var NARROW = "(max-width: 700px)";

  function isNumeric(spec) {
    return spec.kind === "number" || spec.kind === "delta" || spec.kind === "pr";
  }

  // Tabulator draws the columns, their sort arrows and filter boxes, and one page of rows; which rows,
  // in which order, is decided over the plain rows by RowSet below (Tabulator's "remote" modes).
  function column(spec, rows, narrow, initialFilters) {
    var numeric = isNumeric(spec);
    var def = {
      title: spec.title, field: spec.field, formatter: FORMATTERS[spec.kind] || FORMATTERS.text,
      titleFormatter: textTitle, hozAlign: numeric ? "right" : "left", headerHozAlign: numeric ? "right" : "left",
      formatterParams: {goal: spec.goal, metric: spec.metric},
      // Handles on the headers only: one per cell is a DOM write between the height reads of a render.
      headerTooltip: spec.title, minWidth: 60, resizable: "header",
    };
    if (spec.kind === "number") def.cssClass = "mlr-number";
    // Titles wrap; other text is cut with an ellipsis (the full value is in the tooltip).
    if (spec.kind === "link") {
      def.cssClass = "mlr-wrap";
      if (narrow) { def.minWidth = 110; def.maxWidth = 160; } else { def.minWidth = 220; def.maxWidth = 420; def.frozen = true; }
    }
    if (spec.kind === "list" || spec.kind === "text") { def.maxWidth = 200; }
    if (spec.filter === "text") {
      def.headerFilter = "input";
      def.headerFilterPlaceholder = "filter…";
    } else if (spec.filter === "select" || spec.filter === "list") {
      def.headerFilter = "list";
      def.headerFilterPlaceholder = "all";
      var initial = initialFilters.filter(function (filter) { return filter.field === spec.field; })[0];
      var lookup = distinctLookup(rows, spec.field, spec.filter === "list", initial && initial.value);
      def.headerFilterParams = {valuesLookup: lookup, clearable: true, itemFormatter: textItem, autocomplete: false};
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

  /* -- the rows: filters, query and sort over plain arrays ------------------------------------ */

  // Sorted as Tabulator's own sorters did: empty values first when ascending (last when descending),
  // numbers as numbers, text by one collator, ties in the data file's order. Each column's sort key
  // is computed once, on its first sort (a number per row, or the rank of its text among the
  // column's distinct values), so a sort of 10,000 rows compares numbers only.
  var COLLATOR = new Intl.Collator();

  function sortText(value, isList) {
    if (isList) return (value || []).join(", ");
    return value ? String(value).toLowerCase() : "";
  }

  function numberKeys(rows, field) {
    var keys = new Float64Array(rows.length);
    for (var i = 0; i < rows.length; i++) {
      var value = rows[i][field];
      keys[i] = typeof value === "number" ? value : parseFloat(value);  // NaN: an empty cell
    }
    return keys;
  }

  function textKeys(rows, field, isList) {
    var texts = new Array(rows.length);
    var distinct = new Set();
    for (var i = 0; i < rows.length; i++) {
      texts[i] = sortText(rows[i][field], isList);
      distinct.add(texts[i]);
    }
    var order = Array.from(distinct).sort(function (x, y) {
      if (!x) return y ? -1 : 0;
      if (!y) return 1;
      return COLLATOR.compare(x, y);
    });
    var place = new Map(order.map(function (text, n) { return [text, n]; }));
    var keys = new Float64Array(rows.length);
    for (i = 0; i < rows.length; i++) keys[i] = texts[i] ? place.get(texts[i]) : NaN;
    return keys;
  }

  function RowSet(data) {
    this.rows = data.rows;
    this.specs = {};
    var specs = this.specs;
    data.columns.forEach(function (spec) { specs[spec.field] = spec; });
    this.keys = {};       // field -> sort key per row
    this.lowered = {};    // field -> lower-cased text per row, for the text filters
    this.query = null;    // Uint8Array: 1 where the query keeps the row; null: no query
    this.shown = null;    // Int32Array: the rows the filters keep, in the order shown
  }

  RowSet.prototype.sortKeys = function (field) {
    if (!this.keys[field]) {
      var spec = this.specs[field] || {};
      this.keys[field] = isNumeric(spec) ? numberKeys(this.rows, field) : textKeys(this.rows, field, spec.kind === "list");
    }
    return this.keys[field];
  };

  RowSet.prototype.lowerText = function (field) {
    if (!this.lowered[field]) {
      this.lowered[field] = this.rows.map(function (row) { return String(row[field] || "").toLowerCase(); });
    }
    return this.lowered[field];
  };

  // One test per header filter: a row index -> whether it stays.
  RowSet.prototype.filterTest = function (filter) {
    var spec = this.specs[filter.field] || {};
    var rows = this.rows, wanted = filter.value, field = filter.field;
    if (wanted === null || wanted === undefined || wanted === "") return null;
    if (spec.filter === "text") {
      // The title box matches a run's id too.
      var needle = String(wanted).toLowerCase(), texts = this.lowerText(field), ids = this.lowerText("id");
      return function (i) { return texts[i].indexOf(needle) >= 0 || ids[i].indexOf(needle) >= 0; };
    }
    if (spec.filter === "list") {
      return function (i) { var items = rows[i][field]; return !!items && items.indexOf(wanted) >= 0; };
    }
    return function (i) { return rows[i][field] === wanted; };
  };

  // The rows the query and the header filters keep, sorted by `sorters` ([{field, dir}], first wins).
  RowSet.prototype.select = function (filters, sorters) {
    var self = this, query = this.query, count = 0;
    var tests = filters.map(function (filter) { return self.filterTest(filter); }).filter(Boolean);
    var kept = new Int32Array(this.rows.length);
    for (var i = 0; i < this.rows.length; i++) {
      if (query && !query[i]) continue;
      var keep = true;
      for (var t = 0; t < tests.length && keep; t++) keep = tests[t](i);
      if (keep) kept[count++] = i;
    }
    kept = kept.subarray(0, count);
    var order = sorters.filter(function (sorter) { return self.specs[sorter.field]; }).map(function (sorter) {
      return {keys: self.sortKeys(sorter.field), sign: sorter.dir === "desc" ? -1 : 1};
    });
    if (order.length) {
      kept.sort(function (a, b) {
        for (var s = 0; s < order.length; s++) {
          var x = order[s].keys[a], y = order[s].keys[b], result;
          if (x !== x) result = y !== y ? 0 : -1;
          else if (y !== y) result = 1;
          else result = x - y;
          if (result) return result * order[s].sign;
        }
        return a - b;
      });
    }
    this.shown = kept;
    return kept;
  };

  RowSet.prototype.page = function (number, size) {
    var start = (number - 1) * size, rows = this.rows, shown = this.shown;
    var page = [];
    for (var i = start; i < Math.min(start + size, shown.length); i++) page.push(rows[shown[i]]);
    return page;
  };

  // The shown rows as CSV, every one of them and not only a page, in Tabulator's own CSV format.
  RowSet.prototype.csv = function (columns) {
    var quote = function (value) {
      if (value === null || value === undefined) value = "";
      else if (typeof value === "object") value = JSON.stringify(value);
      return '"' + String(value).split('"').join('""') + '"';
    };
    var lines = [columns.map(function (col) { return quote(col.title); }).join(",")];
    var rows = this.rows;
    this.shown.forEach(function (i) {
      lines.push(columns.map(function (col) { return quote(rows[i][col.field]); }).join(","));
    });
    return lines.join("\n");
  };

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
  function stateToUrl(sorters, filters, defaultSort) {
    var params = new URLSearchParams(window.location.search);
    Array.from(params.keys()).forEach(function (key) {
      if (key === SORT_PARAM || key.indexOf(FILTER_PREFIX) === 0) params.delete(key);
    });
    var sorted = sorters.length ? sorters[0].field + ":" + sorters[0].dir : "";
    if (sorted && sorted !== defaultSort) params.set(SORT_PARAM, sorted);
    filters.forEach(function (filter) {
      if (filter.value) params.set(FILTER_PREFIX + filter.field, filter.value);
    });
    var query = params.toString();
    var address = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    // A keystroke in the query box redraws the rows with the same sort and filters: no new address.
    if (address !== window.location.pathname + window.location.search + window.location.hash) {
      history.replaceState(history.state, "", address);
    }
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
        var byId = new Map();
        data.rows.forEach(function (fields) { byId.set(fields.id, fields); });
        return byId;
      }).catch(function (error) {
        delete fieldsLoading[path];  // the next keystroke tries again
        throw error;
      });
    }
    return fieldsLoading[path];
  }

  // `refresh()` shows the table's rows again from the first page, once the query has changed; it
  // returns a Promise of the rows drawn.
  function queryBox(rowSet, data, refresh) {
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

    var rows = rowSet.rows;
    var total = rows.length;
    var noun = total === 1 ? "row" : "rows";
    var timer = null;
    var fieldsInOrder = null;  // each row's query fields, in the rows' order (once loaded)

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

    function sameKept(a, b) {
      if (a === b) return true;
      if (!a || !b) return false;
      for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
      return true;
    }

    function show(kept) {
      // Drawing the rows again is most of a keystroke's cost: skip it when the query keeps the same.
      if (sameKept(kept, rowSet.query)) {
        box.dataset.mlrQueryState = "ready";
        return;
      }
      rowSet.query = kept;
      refresh().then(function () { box.dataset.mlrQueryState = "ready"; });
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
      box.dataset.mlrQueryState = "loading";
      if (!text.trim()) {
        show(null);
        return;
      }
      loadFields(data.query.fields).then(function (byId) {
        if (input.value !== text) return;  // a later keystroke has its own turn
        if (!fieldsInOrder) fieldsInOrder = rows.map(function (row) { return byId.get(row.id); });
        var kept = new Uint8Array(total);
        for (var i = 0; i < total; i++) {
          var fields = fieldsInOrder[i];
          kept[i] = fields && test(fields) ? 1 : 0;
        }
        show(kept);
      }, function (error) {
        problem.replaceChildren(el("span", "", "The query data could not be loaded (" + error.message + ")."));
        problem.hidden = false;
        box.dataset.mlrQueryState = "failed";
      });
    }

    // The query data is fetched as a reader starts on a query (focus, or the first keystroke), so it
    // arrives while they type rather than after; a page nobody queries never fetches it.
    function prefetch() {
      loadFields(data.query.fields).catch(function () {});  // a failure is reported when a query runs
    }
    input.addEventListener("focus", prefetch);
    input.addEventListener("input", function () {
      prefetch();
      clearTimeout(timer);
      timer = setTimeout(function () { apply(input.value); }, QUERY_DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      clearTimeout(timer);
      apply(input.value);
    });
    box.mlrCount = function (shown) {
      count.textContent = shown === total ? total + " " + noun : shown + " of " + total + " " + noun;
    };
    box.mlrCount(total);
    box.mlrStart = function () {
      input.value = window.mlreportQuery.fromAddress();
      if (input.value) apply(input.value);
      else box.dataset.mlrQueryState = "ready";
    };
    return box;
  }

  // The widths the first page's cells need, by field, from one layout: each cell formatted as the
  // table formats it, all of them in one hidden row of the table (so the table's styles apply).
  function cellWidths(holder, defs, rows) {
    var probe = el("div", "tabulator-row");
    probe.style.cssText = "position: absolute; top: 0; left: 0; visibility: hidden; width: max-content;";
    var cells = [];
    defs.forEach(function (def) {
      if (!def.field) return;  // the tick column has a width of its own
      rows.forEach(function (row) {
        var cell = el("div", "tabulator-cell" + (def.cssClass ? " " + def.cssClass : ""));
        var shown = def.formatter(probeCell(cell, row, def.field), def.formatterParams);
        if (shown) cell.appendChild(shown);
        probe.appendChild(cell);
        cells.push({field: def.field, cell: cell});
      });
    });
    holder.appendChild(probe);
    var widths = {};
    cells.forEach(function (item) { widths[item.field] = Math.max(widths[item.field] || 0, item.cell.offsetWidth); });
    probe.remove();
    return widths;
  }

  // What the formatters above ask of a Tabulator cell.
  function probeCell(element, row, field) {
    return {
      getValue: function () { return row[field]; },
      getRow: function () { return {getData: function () { return row; }}; },
      getElement: function () { return element; },
    };
  }

  // Every column gets the width its header and the first page's cells need, once, and keeps it:
  // Tabulator fitting the columns to their cells measures one column at a time, a layout of every
  // row for each (13 on the index: a third of the table's build), and again on every sort, filter
  // or page unless the widths are fixed. The headers were fitted with no rows in the table.
  function fixWidths(table, holder, defs, rows) {
    var needed = cellWidths(holder, defs, rows);
    table.blockRedraw();
    table.getColumns().forEach(function (col) {
      var cells = col.getField() ? needed[col.getField()] || 0 : 0;
      col.setWidth(Math.max(col.getWidth(), cells ? cells + 1 : 0));  // +1 as Tabulator's own fit
    });
    table.restoreRedraw();
  }

  function saveText(text, name, type) {
    var link = el("a");
    link.href = URL.createObjectURL(new Blob([text], {type: type}));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 0);
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
    container.classList.add("mlr-table--ready");

    var rowSet = new RowSet(data);
    var narrow = window.matchMedia(NARROW).matches;
    var state = stateFromUrl(data.columns);
    var columns = phoneOrder(data.columns, narrow).map(function (spec) {
      return column(spec, data.rows, narrow, state.filters);
    });
    if (data.selectable) {
      columns.unshift({formatter: "rowSelection", titleFormatter: "rowSelection", hozAlign: "center",
                       headerHozAlign: "center", headerSort: false, width: 40, resizable: false, cssClass: "mlr-select",
                       frozen: !narrow, titleFormatterParams: {rowRange: "active"}});
    }
    var sort = state.sort || (data.sort ? {column: data.sort.field, dir: data.sort.dir} : null);
    var firstSorters = sort ? [{field: sort.column, dir: sort.dir}] : [];  // the first page's order
    var defaultSort = data.sort ? data.sort.field + ":" + data.sort.dir : "";
    var built = false;
    var fitted = false;  // the column widths are fixed (the first answer is no rows: see fixWidths)
    var query = null;
    // Ticked runs, by id, in the order ticked: a page of rows is replaced by the next, the ticks stay.
    var selected = new Map();

    // Tabulator asks for a page of rows with its sort and header filters; the answer comes from rowSet.
    function rowsFor(url, config, params) {
      if (!fitted) return Promise.resolve({last_page: 1, last_row: 0, data: []});
      var filters = (params.filter || []).map(function (f) { return {field: f.field, value: f.value}; });
      var sorters = (params.sort || []).map(function (s) { return {field: s.field, dir: s.dir}; });
      var shown = rowSet.select(filters, sorters);
      var size = params.size || data.page_size || 50;
      var last = Math.max(1, Math.ceil(shown.length / size));
      var page = Math.min(Math.max(1, params.page || 1), last);
      if (query) query.mlrCount(shown.length);
      if (built) stateToUrl(sorters, filters, defaultSort);
      return Promise.resolve({last_page: last, last_row: shown.length, data: rowSet.page(page, size)});
    }

    var table = new Tabulator(holder, {
      columns: columns, index: "id", layout: "fitDataStretch",
      nestedFieldSeparator: false, pagination: true, paginationSize: data.page_size || 50,
      paginationSizeSelector: [25, 50, 100, 500], paginationCounter: "rows",
      paginationMode: "remote", sortMode: "remote", filterMode: "remote",
      ajaxURL: container.dataset.mlrTable, ajaxRequestFunc: rowsFor, dataLoader: false,
      // A copy: Tabulator puts its column objects in place of the fields.
      initialSort: sort ? [{column: sort.column, dir: sort.dir}] : [], initialHeaderFilter: state.filters,
      selectableRows: data.selectable ? true : false, placeholder: "No rows match these filters",
      movableColumns: true, columnHeaderVertAlign: "bottom",
      // A page holds at most a few hundred rows and the table no fixed height: the virtual renderer
      // would measure every row's height one layout at a time, and redraw on each change of height.
      renderVertical: "basic",
    });
    // The table has no height of its own (the page scrolls), so it changes height whenever a page
    // of rows does; Tabulator then renders every row a second time, which the basic renderer never
    // needs. Its internal "table-resize" event, when someone listens, replaces that redraw.
    table.eventBus.subscribe("table-resize", function () {});

    if (data.query && window.mlreportQuery) {
      query = queryBox(rowSet, data, function () { return table.setPage(1); });
      container.insertBefore(query, holder);
    }
    table.on("tableBuilt", function () {
      rowSet.select(state.filters, firstSorters);
      fixWidths(table, holder, columns, rowSet.page(1, data.page_size || 50));
      fitted = true;
      table.setPage(1).then(function () {
        built = true;
        if (query) query.mlrStart();  // a ?q= in the address filters the table as it opens
      });
    });
    download.addEventListener("click", function () {
      var name = (container.getAttribute("data-mlr-table") || "table").split("/").pop().replace(/\.json$/, "");
      var shown = table.getColumns().filter(function (col) { return col.isVisible() && col.getField(); })
        .map(function (col) { return {field: col.getField(), title: col.getDefinition().title}; });
      saveText(rowSet.csv(shown), name + ".csv", "text/csv");
    });
    if (compare) {
      var showSelection = function () {
        compare.disabled = selected.size < 2;
        compare.textContent = selected.size ? "Compare selected (" + selected.size + ")" : "Compare selected";
      };
      table.on("rowSelected", function (row) { selected.set(row.getData().id, true); showSelection(); });
      table.on("rowDeselected", function (row) { selected.delete(row.getData().id); showSelection(); });
      // A page drawn again ticks the rows ticked before.
      table.on("dataProcessed", function () {
        var ticked = table.getRows().filter(function (row) { return selected.has(row.getData().id); });
        if (ticked.length) table.selectRow(ticked);
      });
      compare.addEventListener("click", function () {
        var ids = Array.from(selected.keys()).map(encodeURIComponent);
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
