/* The score page. "Chỉ mục chưa chấm" at once when the page already holds every item: the scored ones are hidden
   and the address keeps the filter (a reload or a shared link gets the same list from the server, which is also
   what happens without script). Before printing, every item unfolds. */
(function () {
  "use strict";
  var items = document.querySelectorAll("details.score-item");
  var form = document.getElementById("score-entries");

  function show(onlyBlank) {
    for (var i = 0; i < items.length; i++) {
      /* an item with an error or a value the browser refuses stays in sight, so it can be put right */
      items[i].hidden = onlyBlank && items[i].getAttribute("data-state") !== "blank" &&
        !items[i].querySelector(".error, :invalid");
    }
    var keep = form && form.querySelector("input[name=loc]");
    if (onlyBlank && form && !keep) {
      keep = document.createElement("input");
      keep.type = "hidden";
      keep.name = "loc";
      keep.value = "chua-cham";
      form.appendChild(keep);
    } else if (!onlyBlank && keep) {
      keep.parentNode.removeChild(keep);
    }
  }

  function swap(link, current) {
    /* the link becomes the current choice and the current choice a link back (the addresses the server gave) */
    var bar = link.parentNode;
    var back = document.createElement("a");
    back.href = link.id === "filter-blank" ? bar.getAttribute("data-all") : bar.getAttribute("data-blank");
    back.textContent = current.textContent;
    back.id = link.id === "filter-blank" ? "filter-all" : "filter-blank";
    var now = document.createElement("strong");
    now.setAttribute("aria-current", "page");
    now.textContent = link.textContent;
    link.parentNode.replaceChild(now, link);
    current.parentNode.replaceChild(back, current);
    return back;
  }

  function bind(link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var onlyBlank = link.id === "filter-blank";
      var current = link.parentNode.querySelector("strong[aria-current]");
      var target = link.getAttribute("href");
      show(onlyBlank);
      bind(swap(link, current));
      window.history.replaceState(null, "", target);
      var anchor = document.getElementById("items");
      if (anchor) { anchor.scrollIntoView(); }
    });
  }

  var start = document.getElementById("filter-blank");
  if (start && items.length) { bind(start); }

  var folded = [];
  window.addEventListener("beforeprint", function () {
    folded = [];
    for (var i = 0; i < items.length; i++) {
      if (!items[i].open) { folded.push(items[i]); items[i].open = true; }
    }
  });
  window.addEventListener("afterprint", function () {
    for (var i = 0; i < folded.length; i++) { folded[i].open = false; }
    folded = [];
  });
})();
