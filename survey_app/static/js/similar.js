// Duplicate hints while staff type a case: asks the server for the commune's closest open cases.
(function () {
  "use strict";
  var form = document.querySelector("form[data-similar-url]");
  var box = document.getElementById("similar-hints");
  if (!form || !box || !window.fetch) { return; }
  var list = box.querySelector("ol");
  var timer = null;
  var last = "";

  function field(name) {
    var el = form.elements[name];
    return el ? el.value : "";
  }

  function render(hints) {
    list.textContent = "";
    box.hidden = hints.length === 0;
    hints.forEach(function (h) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = h.url;
      link.target = "_blank";
      link.textContent = h.tracking_code;
      li.appendChild(link);
      var meta = " · " + h.received + " · " + h.category + (h.location ? " · " + h.location : "") +
        (h.same_place ? " · cùng địa điểm" : "");
      li.appendChild(document.createTextNode(meta));
      var text = document.createElement("p");
      text.className = "muted small";
      text.textContent = h.content;
      li.appendChild(text);
      list.appendChild(li);
    });
  }

  function ask() {
    var params = new URLSearchParams({
      content: field("content"), location: field("location"), category_id: field("category_id"),
      unit_id: field("unit_id")
    });
    var key = params.toString();
    if (key === last || field("content").trim().length < 8) { return; }
    last = key;
    fetch(form.getAttribute("data-similar-url") + "?" + key, {headers: {"Accept": "application/json"},
                                                              credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {hints: []}; })
      .then(function (data) { render(data.hints || []); })
      .catch(function () { /* hints are a help, never a blocker */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 600);
  });
  form.addEventListener("change", ask);
})();
