/* Narrow screens show each table row as a card; every cell carries its column's heading as a label.
   Deferred (a blocking script in <head> would hold the whole page back): the class below switches the card layout
   on together with the labels, and only when they are there (without JavaScript a narrow table keeps its header row
   and scrolls in place). */
(function () {
  "use strict";
  document.documentElement.classList.add("js-tables");
  function label(table) {
    var heads = table.tHead ? table.tHead.rows[table.tHead.rows.length - 1].cells : [];
    var names = [];
    for (var i = 0; i < heads.length; i++) {
      var span = heads[i].colSpan || 1;
      for (var s = 0; s < span; s++) { names.push(heads[i].textContent.replace(/\s+/g, " ").trim()); }
    }
    if (!names.length) { return; }
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) {
        var col = 0;
        for (var c = 0; c < rows[r].cells.length; c++) {
          var cell = rows[r].cells[c];
          if (!cell.hasAttribute("data-label") && names[col] && cell.colSpan < names.length) {
            cell.setAttribute("data-label", names[col]);
          }
          col += cell.colSpan || 1;
        }
      }
    }
  }
  function run() {
    var tables = document.querySelectorAll("table.table");
    for (var t = 0; t < tables.length; t++) { label(tables[t]); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", run); } else { run(); }
})();
