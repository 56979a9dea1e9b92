/* threatgate site: filtering and sorting of tables, no dependencies, no network. */
(function () {
  "use strict";
  var SEVERITY = { critical: 0, high: 1, medium: 2, low: 3, unscored: 4 };

  function bodyRows(table) {
    return table.tBodies.length ? Array.prototype.slice.call(table.tBodies[0].rows) : [];
  }

  function controlsFor(table, selector) {
    return Array.prototype.filter.call(document.querySelectorAll(selector), function (el) {
      return el.getAttribute("data-filter-for") === table.id;
    });
  }

  function applyFilters(table) {
    var inputs = controlsFor(table, "input[data-filter-for]");
    var selects = controlsFor(table, "select[data-filter-for]");
    var needle = inputs.length ? inputs[0].value.trim().toLowerCase() : "";
    var rows = bodyRows(table);
    var shown = 0;
    rows.forEach(function (row) {
      var visible = !needle || row.textContent.toLowerCase().indexOf(needle) !== -1;
      selects.forEach(function (select) {
        // The row's attribute holds one value or several, separated by spaces.
        var key = select.getAttribute("data-filter-key");
        var values = (row.getAttribute("data-" + key) || "").split(" ");
        if (select.value && values.indexOf(select.value) === -1) {
          visible = false;
        }
      });
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-count-for]"), function (out) {
      if (out.getAttribute("data-count-for") === table.id) {
        out.textContent = shown + " of " + rows.length + " shown";
      }
    });
  }

  function sortKey(cell, type) {
    if (!cell) { return ""; }
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (type === "number" || (type === "severity" && cell.hasAttribute("data-sort"))) {
      var number = parseFloat(raw);
      return isNaN(number) ? Number.POSITIVE_INFINITY : number;
    }
    if (type === "severity") {
      return raw in SEVERITY ? SEVERITY[raw] : 9;
    }
    return raw.toLowerCase();
  }

  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b), undefined, { numeric: true });
  }

  function sortTable(table, th) {
    var headers = Array.prototype.slice.call(th.parentNode.cells);
    var index = headers.indexOf(th);
    var type = th.getAttribute("data-sort-type") || "text";
    var direction = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
    var rows = bodyRows(table).map(function (row, position) {
      return { row: row, key: sortKey(row.cells[index], type), position: position };
    });
    rows.sort(function (a, b) {
      return compare(a.key, b.key) * direction || a.position - b.position;
    });
    var body = table.tBodies[0];
    rows.forEach(function (item) { body.appendChild(item.row); });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), function (table) {
      Array.prototype.forEach.call(table.querySelectorAll("thead th button.sort"), function (button) {
        button.addEventListener("click", function () { sortTable(table, button.parentNode); });
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("table[data-filterable]"), function (table) {
      controlsFor(table, "input[data-filter-for], select[data-filter-for]").forEach(function (control) {
        control.addEventListener("input", function () { applyFilters(table); });
        control.addEventListener("change", function () { applyFilters(table); });
      });
      applyFilters(table);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
