/* Supervisor dashboard: draws the charts from the JSON the page carries, and shows the period fields that apply. */
(function () {
  "use strict";

  function showPeriodFields() {
    var kind = document.getElementById("period");
    if (!kind) { return; }
    document.querySelectorAll("#period-form [data-for]").forEach(function (box) {
      var wanted = box.getAttribute("data-for").split(" ").indexOf(kind.value) >= 0;
      box.classList.toggle("d-none", !wanted);
      box.querySelectorAll("select, input").forEach(function (field) { field.disabled = !wanted; });
    });
  }

  function base(keys, axisName) {
    return {
      animation: false,             // draw at once, so printing and screenshots show the final chart
      grid: { left: 44, right: 16, top: 36, bottom: 28, containLabel: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      // Every category labelled (tilted when many), so a printed chart needs no tooltip.
      xAxis: { type: "category", data: keys, name: axisName || "", nameLocation: "end",
               axisLabel: { interval: 0, rotate: keys.length > 5 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 }
    };
  }

  function bars(series, stacked, labels) {
    return series.map(function (s) {
      return { name: s.name, type: "bar", data: s.data, stack: stacked ? "all" : undefined,
               label: { show: !!labels, position: stacked ? "inside" : "top" } };
    });
  }

  function options(data) {
    var onTime = base(data.on_time.keys);
    onTime.yAxis = { type: "value", max: 100, axisLabel: { formatter: "{value}%" } };
    onTime.series = bars(data.on_time.series, false, true);

    var months = base(data.months.keys);
    months.series = bars(data.months.series.filter(function (s) {
      return s.data.some(function (v) { return v > 0; });
    }), true, false);

    var turnaround = base(data.turnaround.keys, data.turnaround.axis);
    turnaround.series = bars([{ name: data.turnaround.name, data: data.turnaround.data }], false, true);

    var ratings = base(data.ratings.keys);
    ratings.series = bars(data.ratings.series, true, false);

    var deferrals = base(data.deferrals.keys);
    deferrals.legend = { show: false };
    deferrals.series = bars([{ name: "", data: data.deferrals.data }], false, true);

    return { "chart-months": months, "chart-turnaround": turnaround, "chart-on-time": onTime,
             "chart-ratings": ratings, "chart-deferrals": deferrals };
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var all = options(data);
    Object.keys(all).forEach(function (id) {
      var box = document.getElementById(id);
      if (!box) { return; }
      // SVG stays sharp when the page is printed.
      var chart = echarts.init(box, null, { renderer: "svg" });
      chart.setOption(all[id]);
      box.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var kind = document.getElementById("period");
    if (kind) { kind.addEventListener("change", showPeriodFields); }
    showPeriodFields();
    draw();
  });
}());
