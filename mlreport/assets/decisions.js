/* mlreport: filters the decision log by status and tag, in the browser.
 *
 * Rows carry data-status and data-tags (a JSON list); the filter state lives in the URL
 * (?status=accepted&tag=fraud) so a filtered log can be shared. Works under Material's
 * instant navigation (document$). Nothing is inserted as HTML.
 */
(function () {
  "use strict";

  function rowTags(row) {
    try {
      var tags = JSON.parse(row.dataset.tags || "[]");
      return Array.isArray(tags) ? tags : [];
    } catch (error) {
      return [];
    }
  }

  function readState() {
    var params = new URLSearchParams(window.location.search);
    return {status: params.get("status") || "", tag: params.get("tag") || ""};
  }

  function writeState(state) {
    var params = new URLSearchParams(window.location.search);
    ["status", "tag"].forEach(function (key) {
      if (state[key]) params.set(key, state[key]); else params.delete(key);
    });
    var query = params.toString();
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    window.history.replaceState(window.history.state, "", url);
  }

  function apply(filters, log, state) {
    var rows = log.querySelectorAll("tr[data-status]");
    var shown = 0;
    rows.forEach(function (row) {
      var match = (!state.status || row.dataset.status === state.status) &&
        (!state.tag || rowTags(row).indexOf(state.tag) >= 0);
      row.hidden = !match;
      if (match) shown += 1;
    });
    // A month with no visible decision disappears with its heading.
    log.querySelectorAll("[data-month]").forEach(function (month) {
      month.hidden = !month.querySelector("tr[data-status]:not([hidden])");
    });
    filters.querySelectorAll("[data-filter-status]").forEach(function (chip) {
      chip.setAttribute("aria-pressed", String(chip.dataset.filterStatus === state.status));
    });
    var select = filters.querySelector("[data-filter-tag]");
    if (select) select.value = state.tag;
    var count = filters.querySelector("[data-filter-count]");
    if (count) count.textContent = shown === rows.length ? "" : shown + " of " + rows.length + " shown";
    var empty = document.querySelector("[data-filter-empty]");
    if (empty) empty.hidden = shown > 0;
  }

  function init() {
    var filters = document.querySelector("[data-mlr-decision-filters]");
    var log = document.querySelector("[data-mlr-decisions]");
    if (!filters || !log || filters.dataset.mlrReady) return;
    filters.dataset.mlrReady = "1";
    filters.hidden = false;
    var state = readState();
    var select = filters.querySelector("[data-filter-tag]");
    // A tag from the URL that no decision has would hide everything without saying why.
    if (select && state.tag && !Array.prototype.some.call(select.options, function (o) { return o.value === state.tag; })) {
      state.tag = "";
    }
    filters.querySelectorAll("[data-filter-status]").forEach(function (chip) {
      chip.addEventListener("click", function () {
        state.status = chip.dataset.filterStatus;
        writeState(state);
        apply(filters, log, state);
      });
    });
    if (select) {
      select.addEventListener("change", function () {
        state.tag = select.value;
        writeState(state);
        apply(filters, log, state);
      });
    }
    apply(filters, log, state);
  }

  window.mlreport.onEveryPage(init);  // mlreport.js loads first
})();
