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
      fig.layout.autosize = true;
      window.Plotly.newPlot(area, fig.data, fig.layout, {
        responsive: true, displaylogo: false,
        modeBarButtonsToRemove: ["select2d", "lasso2d"],
        toImageButtonOptions: {format: "png", filename: "bieu-do-" + key, scale: 2}
      }).then(function () { figure.setAttribute("data-drawn", "1"); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
