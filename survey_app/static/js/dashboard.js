/* Draws every chart of the page from the figure JSON the server embedded next to it (Plotly served locally). */
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("figure[data-chart]").forEach(function (figure) {
      var key = figure.getAttribute("data-chart");
      var spec = document.getElementById("chart-" + key);
      var area = document.getElementById("chart-area-" + key);
      if (!spec || !area) { return; }
      var fig = JSON.parse(spec.textContent);
      var narrow = area.clientWidth < 600;
      fig.layout.autosize = true;
      if (narrow) { phone(fig); }
      window.Plotly.newPlot(area, fig.data, fig.layout, {
        responsive: true, displaylogo: false, displayModeBar: narrow ? false : "hover",
        modeBarButtonsToRemove: ["select2d", "lasso2d"],
        toImageButtonOptions: {format: "png", filename: "bieu-do-" + key, scale: 2}
      }).then(function () { figure.setAttribute("data-drawn", "1"); });
    });
  }
  /* On a phone: no toolbar over the title, the title and long category labels wrap (every word kept, so two
     categories never merge), and the right-hand axis keeps room for its ticks. */
  function wrap(text, width) {
    var lines = [""];
    text.split(" ").forEach(function (w) {
      if (lines[lines.length - 1] && (lines[lines.length - 1] + " " + w).length > width) { lines.push(w); }
      else { lines[lines.length - 1] = (lines[lines.length - 1] + " " + w).trim(); }
    });
    return lines.join("<br>");
  }
  function phone(fig) {
    var layout = fig.layout;
    var title = layout.title && (layout.title.text || layout.title);
    if (typeof title === "string" && title.length > 34) {
      var wrapped = wrap(title, 34);
      layout.title = {text: wrapped, font: {size: 14}, x: 0, xanchor: "left"};
      layout.margin = Object.assign({}, layout.margin || {}, {t: 30 + 18 * wrapped.split("<br>").length});
    }
    layout.margin = Object.assign({l: 40, r: layout.yaxis2 ? 48 : 16, b: 60}, layout.margin || {});
    if (layout.yaxis2) { layout.yaxis2.automargin = true; layout.margin.r = Math.max(layout.margin.r || 0, 48); }
    ["xaxis", "yaxis"].forEach(function (axis) { layout[axis] = Object.assign({automargin: true}, layout[axis] || {}); });
    fig.data.forEach(function (trace) {
      var key = trace.orientation === "h" ? "y" : "x";
      if (Array.isArray(trace[key]) && trace[key].some(function (v) { return typeof v === "string" && v.length > 16; })) {
        trace[key] = trace[key].map(function (v) { return typeof v === "string" ? wrap(v, 16) : v; });
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
