// Copy buttons: a <button data-copy="ID"> copies the text of the element ID to the
// clipboard and says so in its own words (data-copied). A file of the site, not an
// inline handler: the pages' Content-Security-Policy runs no inline script. Without
// JavaScript or a clipboard the buttons stay hidden and the values can be selected.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) {
        return;
      }
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        var status = document.getElementById(button.getAttribute("data-copy") + "-copied");
        if (status) {
          status.textContent = button.getAttribute("data-copied");
        }
      });
    });
  });
})();
