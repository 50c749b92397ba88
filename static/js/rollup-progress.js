/* Roll-up progress in the admin (assessments/admin/rollup_progress.html): polls the run's JSON status
   (assessments:rollup_status) about once a second until it is done or failed, then shows the result. */
(function () {
  "use strict";
  var box = document.querySelector("[data-rollup-progress]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var every = parseInt(box.getAttribute("data-poll-ms"), 10) || 1000;
  var meter = box.querySelector("[role=progressbar]");
  var bar = box.querySelector("[data-bar]");
  var message = box.querySelector("[data-message]");
  var error = box.querySelector("[data-error]");
  var result = box.querySelector("[data-result]");
  var seen = [];

  function when(iso) {
    return iso ? new Date(iso).toLocaleString(document.documentElement.lang || undefined) : "—";
  }

  function showFigures(figures) {
    var body = box.querySelector("[data-figures] tbody");
    while (body.firstChild) { body.removeChild(body.firstChild); }
    (figures || []).forEach(function (f) {
      var row = document.createElement("tr");
      var th = document.createElement("th");
      var td = document.createElement("td");
      row.setAttribute("data-figure-row", f.name);
      th.scope = "row";
      th.textContent = f.label;
      if (f.href) {  // a count: a link to the rows behind it, as the server renders it
        var link = document.createElement("a");
        link.href = f.href;
        link.setAttribute("data-figure", f.value);
        link.setAttribute("data-figure-name", f.name);
        link.textContent = f.value;
        td.appendChild(link);
      } else {
        td.setAttribute("data-not-a-count", "");
        td.textContent = f.value;
      }
      row.appendChild(th);
      row.appendChild(td);
      body.appendChild(row);
    });
  }

  function show(s) {
    var mark = s.stage + ":" + s.percent;
    if (seen[seen.length - 1] !== mark) { seen.push(mark); }
    box.setAttribute("data-seen", seen.join(" "));
    box.setAttribute("data-status", s.status);
    box.setAttribute("data-stage", s.stage);
    meter.setAttribute("aria-valuenow", String(s.percent));
    bar.style.width = s.percent + "%";
    bar.textContent = s.percent + "%";
    message.textContent = s.message;
    box.querySelector("[data-started]").textContent = when(s.started_at);
    box.querySelector("[data-finished]").textContent = when(s.finished_at);
    if (s.status === "done") {
      bar.classList.remove("progress-bar-striped", "progress-bar-animated");
      bar.classList.add("bg-success");
      showFigures(s.figures);
      Object.keys(s.links || {}).forEach(function (name) {
        var link = box.querySelector('[data-link="' + name + '"]');
        if (link) { link.href = s.links[name]; }
      });
      result.hidden = false;
    } else if (s.status === "failed") {
      bar.classList.remove("progress-bar-striped", "progress-bar-animated");
      bar.classList.add("bg-danger");
      error.textContent = s.error;
      error.hidden = false;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (s) {
        show(s);
        if (!s.finished) { window.setTimeout(poll, every); }
      })
      .catch(function () { window.setTimeout(poll, every * 3); });
  }

  if (box.getAttribute("data-status") === "done" || box.getAttribute("data-status") === "failed") { return; }
  poll();
})();
