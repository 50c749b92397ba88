// The duty record: a category's figure (its items, its points) opens the folded lines behind it
// (assessments/templates/assessments/duty_record.html). Without JavaScript the link still scrolls to them.
(function () {
  function open(id) {
    var target = document.getElementById(id);
    if (target && target.tagName === "DETAILS") target.open = true;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-expand]");
    if (link) open(link.getAttribute("data-expand"));
  });
  if (location.hash) open(location.hash.slice(1));
})();
