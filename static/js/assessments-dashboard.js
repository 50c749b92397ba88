/* Charts of the duty dashboard (assessments/dashboard.html): data from the json_script "dashboard-data". */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var t = data.text;
  var colours = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a"];

  function draw(name, config) {
    var canvas = document.querySelector('canvas[data-chart="' + name + '"]');
    if (!canvas) { return; }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    canvas.parentNode.style.height = "260px";
    new Chart(canvas, config);
  }

  draw("trend", {
    type: "line",
    data: {
      labels: data.trend.quarters,
      datasets: [
        { label: t.activities, data: data.trend.activities, borderColor: colours[0] },
        { label: t.proposals, data: data.trend.proposals, borderColor: colours[1] },
        { label: t.reports, data: data.trend.reports, borderColor: colours[2] },
        { label: t.consultations, data: data.trend.consultations, borderColor: colours[3] }
      ]
    }
  });
  draw("coverage", {
    type: "bar",
    data: { labels: data.trend.quarters, datasets: [{ label: t.coverage, data: data.trend.coverage, backgroundColor: colours[2] }] },
    options: { scales: { y: { min: 0, max: 100 } } }
  });
  draw("distribution", {
    type: "bar",
    data: { labels: data.distribution.labels, datasets: [{ label: t.members, data: data.distribution.members, backgroundColor: colours[1] }] }
  });
  draw("ranking", {
    type: "bar",
    data: { labels: data.ranking.labels, datasets: [{ label: t.points, data: data.ranking.points, backgroundColor: colours[0] }] },
    options: { indexAxis: "y" }
  });
  draw("districts", {
    type: "bar",
    data: {
      labels: data.districts.labels,
      datasets: [
        { label: t.points_per_member, data: data.districts.points_per_member, backgroundColor: colours[0] },
        { label: t.coverage, data: data.districts.coverage, backgroundColor: colours[2] }
      ]
    }
  });
})();
