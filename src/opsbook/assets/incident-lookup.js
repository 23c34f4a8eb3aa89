/*
 * opsbook incident lookup: "What do you see?" on the incident page, answered by site search.
 *
 * <form data-ob-lookup action=".../incident/symptoms/"> holds one input. On submit, its words
 * go into the site's header search box (Material's input[data-md-component="search-query"])
 * and the search opens, so whatever answers that box (Material's index, or another one behind
 * it) finds the runbook, and the incident page needs no symptom in it. Material reads the box
 * on keyup and focus; other search scripts listen to input: both are sent. With no search box
 * on the page, or without JavaScript, the form simply opens the full list of symptoms.
 */
(function () {
  "use strict";

  function searchBox() {
    return document.querySelector('[data-md-component="search-query"]');
  }

  function openSearch(box, words) {
    var toggle = document.getElementById("__search");
    if (toggle && !toggle.checked) {
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change", { bubbles: true }));
    }
    box.value = words;
    box.focus();
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true, key: "Enter" }));
  }

  function setup(form) {
    if (form.getAttribute("data-ob-ready")) return;
    var input = form.querySelector('input[name="q"]');
    if (!input) return;
    form.setAttribute("data-ob-ready", "1");
    form.addEventListener("submit", function (event) {
      var box = searchBox();
      var words = input.value.trim();
      // No search on this site, or nothing typed: the full list is the answer.
      if (!box || !words) return;
      event.preventDefault();
      openSearch(box, words);
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-ob-lookup]"), setup);
  }

  // Material's instant loading swaps pages without a reload and announces each on document$.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
