// The catalog's filters fold on a phone (results first) and stand open beside the
// results on a wide screen, or whenever a filter is active. A file of the site, not
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
  document.addEventListener("DOMContentLoaded", place);
  wide.addEventListener("change", place);
})();
