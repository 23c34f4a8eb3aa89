/*
 * opsbook table filters: select boxes that hide the rows of a table which do not match.
 *
 * <form class="ob-filter" data-ob-filter="TABLE-ID" hidden> holds <select name="KEY">s; each
 * row of the table's wrapper #TABLE-ID carries data-KEY='["value", ...]' (a JSON list). A row
 * shows when, for every select with a value, its list holds that value. The form is hidden in
 * the HTML, so without JavaScript every row simply shows. The choice is kept in the query
 * string (?service=api&severity=P1), so a filtered view can be linked to.
 */
(function () {
  "use strict";

  function setup(form) {
    if (form.getAttribute("data-ob-ready")) return;
    var target = document.getElementById(form.getAttribute("data-ob-filter"));
    if (!target) return;
    form.setAttribute("data-ob-ready", "1");
    var rows = Array.prototype.slice.call(target.querySelectorAll("tbody tr"));
    var selects = Array.prototype.slice.call(form.querySelectorAll("select"));
    var count = form.querySelector(".ob-filter__count");
    var values = rows.map(function (row) {
      var parsed = {};
      selects.forEach(function (select) {
        try {
          parsed[select.name] = JSON.parse(row.getAttribute("data-" + select.name) || "[]");
        } catch (e) {
          parsed[select.name] = [];
        }
      });
      return parsed;
    });

    var params = new URLSearchParams(window.location.search);
    selects.forEach(function (select) {
      var wanted = params.get(select.name);
      var known = Array.prototype.some.call(select.options, function (option) {
        return option.value === wanted;
      });
      if (wanted !== null && known) select.value = wanted;
    });

    function apply(remember) {
      var shown = 0;
      rows.forEach(function (row, i) {
        var match = selects.every(function (select) {
          return !select.value || values[i][select.name].indexOf(select.value) >= 0;
        });
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (count) {
        count.textContent = shown === rows.length
          ? "all " + rows.length + " shown"
          : shown + " of " + rows.length + " shown";
      }
      if (remember) {
        var query = new URLSearchParams(window.location.search);
        selects.forEach(function (select) {
          if (select.value) query.set(select.name, select.value);
          else query.delete(select.name);
        });
        var search = query.toString();
        window.history.replaceState(window.history.state, "",
          window.location.pathname + (search ? "?" + search : "") + window.location.hash);
      }
    }

    form.addEventListener("change", function () { apply(true); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply(false);
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-ob-filter]"), setup);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
