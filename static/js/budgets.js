// Budget overview charts (no inline scripts: CSP). Data comes from the json_script block "budget-chart-data":
// million VND by project and source (stacked bars: plan and disbursed side by side), and the monthly cumulative
// disbursement against the planned curve.
(function () {
  "use strict";

  function numberFormat(value) {
    if (value === null || value === undefined) {
      return "—";
    }
    return Number(value).toLocaleString("vi-VN", { maximumFractionDigits: 3 });
  }

  function projectsChart(data) {
    var container = document.getElementById("budget-projects-chart");
    if (!container) {
      return null;
    }
    var chart = window.echarts.init(container, null, { renderer: "svg" });
    var series = [];
    data.sources.forEach(function (source) {
      series.push({
        name: source.label + " · " + data.labels.available, type: "bar", stack: "available",
        itemStyle: { color: source.colour, opacity: 0.45 }, data: source.available,
      });
      series.push({
        name: source.label + " · " + data.labels.disbursed, type: "bar", stack: "disbursed",
        itemStyle: { color: source.colour }, data: source.disbursed,
      });
    });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 8, top: 64, bottom: 8, containLabel: true },
      legend: { type: "scroll", top: 0 },
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" },
        valueFormatter: function (value) { return numberFormat(value) + " " + data.labels.unit; },
      },
      xAxis: { type: "category", data: data.projects },
      yAxis: { type: "value", axisLabel: { formatter: numberFormat } },
      series: series,
    });
    return chart;
  }

  function monthlyChart(data) {
    var container = document.getElementById("budget-monthly-chart");
    if (!container) {
      return null;
    }
    var chart = window.echarts.init(container, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: {
        trigger: "axis",
        valueFormatter: function (value) { return numberFormat(value) + " " + data.labels.unit; },
      },
      xAxis: { type: "category", data: data.months, boundaryGap: false },
      yAxis: { type: "value", axisLabel: { formatter: numberFormat } },
      series: [
        { name: data.labels.plan, type: "line", data: data.plan, lineStyle: { type: "dashed" },
          itemStyle: { color: "#6c757d" }, symbol: "none" },
        { name: data.labels.cumulative, type: "line", data: data.cumulative, itemStyle: { color: "#8a1c1c" },
          areaStyle: { opacity: 0.08 } },
      ],
    });
    return chart;
  }

  function draw() {
    var source = document.getElementById("budget-chart-data");
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var charts = [projectsChart(data), monthlyChart(data)].filter(Boolean);
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
