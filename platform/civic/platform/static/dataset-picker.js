// The dataset picker of the reuse form: type a few words in the search field, choose
// a dataset among the catalog's answers (GET /api/v1/datasets?q=, public), and its
// name is added to the datasets field. A file of the site, not an inline handler: the
// pages' Content-Security-Policy runs no inline script. Without JavaScript the search
// stays hidden and the names are typed, as before.
(function () {
  "use strict";
  var search = document.getElementById("reuse-dataset-search");
  var options = document.getElementById("reuse-dataset-options");
  var field = document.getElementById("reuse-datasets");
  var add = document.getElementById("reuse-dataset-add");
  var picker = document.getElementById("reuse-dataset-picker");
  if (!search || !options || !field || !add || !picker || !window.fetch) {
    return;
  }
  picker.hidden = false;
  var timer = null;
  var asked = "";
  search.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var words = search.value.trim();
      if (words.length < 2 || words === asked) {
        return;
      }
      asked = words;
      var url = "/api/v1/datasets?page_size=10&q=" + encodeURIComponent(words);
      window.fetch(url, { headers: { Accept: "application/json" } })
        .then(function (answer) { return answer.ok ? answer.json() : { results: [] }; })
        .then(function (found) {
          options.textContent = "";
          (found.results || []).forEach(function (dataset) {
            var option = document.createElement("option");
            option.value = dataset.name;
            option.label = dataset.title;
            option.textContent = dataset.title;
            options.appendChild(option);
          });
        })
        .catch(function () { /* the names can still be typed */ });
    }, 250);
  });
  add.addEventListener("click", function () {
    var name = search.value.trim();
    if (!name) {
      return;
    }
    var names = field.value.split(/[\s,]+/).filter(Boolean);
    if (names.indexOf(name) < 0) {
      names.push(name);
    }
    field.value = names.join(" ");
    search.value = "";
    search.focus();
  });
})();
