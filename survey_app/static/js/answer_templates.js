/* The case page: "Dùng mẫu" fills the answer box in place from the chosen template (already filled in for this
   case by the server). Without JavaScript the same form reloads the page with ?template=ID and the box filled. */
(function () {
  "use strict";
  function run() {
    var form = document.getElementById("template-picker");
    var box = document.getElementById("public_answer");
    if (!form || !box) { return; }
    form.addEventListener("submit", function (event) {
      var select = form.elements.template;
      var option = select.options[select.selectedIndex];
      if (!option || !option.hasAttribute("data-text")) { return; }
      event.preventDefault();
      var text = option.getAttribute("data-text");
      if (box.value.trim() && box.value !== text &&
          !window.confirm("Thay nội dung đang soạn bằng mẫu “" + option.textContent.trim() + "”?")) { return; }
      box.value = text;
      var used = document.getElementById("template_id");
      if (used) { used.value = option.value; }
      box.rows = Math.max(box.rows, 8);
      box.focus();
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", run); } else { run(); }
})();
