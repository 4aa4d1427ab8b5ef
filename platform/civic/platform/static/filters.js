// The catalog's filters fold on a phone (results first) and stand open beside the
// results on a wide screen, or whenever a filter is active. A long facet gets a box
// that narrows its list as one types (accents and case ignored); without script the
// box stays hidden and the whole list scrolls in its frame. A file of the site, not
// inline script: the pages' Content-Security-Policy runs no inline script.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 62em)");
  function place() {
    var filters = document.getElementById("filters");
    if (filters && (wide.matches || filters.getAttribute("data-active") === "true")) {
      filters.open = true;
    }
  }
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function narrow(input) {
    var list = document.getElementById(input.getAttribute("data-filters"));
    if (!list) { return; }
    var wanted = fold(input.value.trim());
    var groups = list.querySelectorAll(".fr-checkbox-group");
    for (var i = 0; i < groups.length; i += 1) {
      var box = groups[i].querySelector("input");
      var label = groups[i].querySelector("label");
      var shown = !wanted || (box && box.checked) || fold(label ? label.textContent : "").indexOf(wanted) !== -1;
      groups[i].hidden = !shown;
    }
  }
  function filters() {
    var inputs = document.querySelectorAll("input[data-filters]");
    for (var i = 0; i < inputs.length; i += 1) {
      inputs[i].closest(".civic-facet-filter").hidden = false;
      inputs[i].addEventListener("input", function (event) { narrow(event.target); });
      // Enter in the box narrows the list; it must not submit the search.
      inputs[i].addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); }
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () { place(); filters(); });
  wide.addEventListener("change", place);
})();
