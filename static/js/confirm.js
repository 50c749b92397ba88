// The confirmation step of templates/includes/confirm_button.html: a <details> that already works without
// JavaScript. This only shows its cancel button (which closes it) and moves the focus to the real button.
(function () {
  "use strict";
  document.querySelectorAll("details[data-confirm]").forEach(function (box) {
    var cancel = box.querySelector("[data-confirm-cancel]");
    var summary = box.querySelector("summary");
    if (cancel) {
      cancel.hidden = false;
      cancel.addEventListener("click", function () {
        box.open = false;
        if (summary) summary.focus();
      });
    }
    box.addEventListener("toggle", function () {
      if (!box.open) return;
      var submit = box.querySelector("button[type=submit]");
      if (submit) submit.focus({ preventScroll: true });
      box.scrollIntoView({ block: "nearest" });
    });
  });
})();
