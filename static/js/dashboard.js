// Leadership dashboard charts (no inline scripts: CSP). Data comes from the json_script block "dashboard-data":
// rates in percent (null: unknown, drawn as nothing, never 0), money in million VND. Clicking a unit on a chart
// or on the map opens the same page for that unit (drill-down). The "Biểu đồ / Bảng" buttons switch between the
// charts and their tables; without JavaScript the tables show.
(function () {
  "use strict";

  var GREY = "#adb5bd";
  var BRAND = "#8a1c1c";

  function rateText(value, labels) {
    if (value === null || value === undefined) {
      return labels.no_data;
    }
    return Number(value).toLocaleString("vi-VN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + "%";
  }

  function moneyText(value) {
    return Number(value).toLocaleString("vi-VN", { maximumFractionDigits: 3 });
  }

  // A category whose rate is unknown says so under its name (an empty bar could be read as 0).
  function withUnknown(name, rate, data) {
    return rate === null || rate === undefined ? name + "\n(" + data.labels.no_data + ")" : name;
  }

  function drill(data, code) {
    if (!data.drillable || !code) {
      return;
    }
    var params = new URLSearchParams({ unit: code, year: String(data.year) });
    window.location.search = params.toString();
  }

  function init(id) {
    var container = document.getElementById(id);
    if (!container) {
      return null;
    }
    return window.echarts.init(container, null, { renderer: "canvas" });
  }

  function childrenChart(data) {
    var chart = init("chart-children");
    if (!chart) {
      return null;
    }
    var series = {
      name: data.labels.rate, type: "bar", itemStyle: { color: BRAND },
      data: data.children.map(function (child) { return { value: child.rate, code: child.code }; }),
      label: { show: data.children.length <= 20, position: "top",
        formatter: function (p) { return p.value === null || p.value === undefined ? "" : rateText(p.value, data.labels); } },
    };
    if (data.target_rate !== null) {
      series.markLine = {
        symbol: "none", lineStyle: { color: "#198754", type: "dashed", width: 2 },
        label: { formatter: data.labels.target + " " + rateText(data.target_rate, data.labels), position: "insideStartTop",
          color: "#146c43", backgroundColor: "rgba(255,255,255,0.85)", padding: [1, 3] },
        data: [{ yAxis: data.target_rate }],
      };
    }
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
        valueFormatter: function (value) { return rateText(value, data.labels); } },
      xAxis: { type: "category", data: data.children.map(function (child) { return withUnknown(child.name, child.rate, data); }),
        axisLabel: { rotate: data.children.length > 6 ? 30 : 0, interval: 0, lineHeight: 14 } },
      yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      series: [series],
    });
    chart.on("click", function (params) { drill(data, data.children[params.dataIndex].code); });
    return chart;
  }

  function mapChart(data) {
    var chart = init("chart-map");
    if (!chart) {
      return null;
    }
    var placed = data.children.filter(function (child) {
      return child.latitude !== null && child.longitude !== null;
    });
    var known = placed.map(function (child) { return child.rate; }).filter(function (rate) { return rate !== null; });
    var points = placed.map(function (child) {
      return { name: child.name, code: child.code, value: [child.longitude, child.latitude, child.rate],
        itemStyle: child.rate === null ? { color: GREY } : undefined };
    });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 56, top: 16, bottom: 8, containLabel: true },
      tooltip: { formatter: function (p) { return p.data.name + ": " + rateText(p.data.value[2], data.labels); } },
      xAxis: { type: "value", scale: true, name: "°E", splitLine: { lineStyle: { type: "dotted" } } },
      yAxis: { type: "value", scale: true, name: "°N", splitLine: { lineStyle: { type: "dotted" } } },
      visualMap: known.length ? {
        type: "continuous", dimension: 2, min: Math.min.apply(null, known), max: Math.max.apply(null, known) || 1,
        right: 0, top: "middle", calculable: false, text: ["%", ""], itemHeight: 120,
        inRange: { color: ["#fde0c5", "#f59e4c", BRAND] }, outOfRange: { color: GREY },
      } : undefined,
      series: [{
        type: "scatter", symbolSize: data.children.length > 40 ? 12 : 22, data: points,
        label: { show: data.children.length <= 20, position: "right", formatter: function (p) { return p.data.name; },
          fontSize: 11 },
      }],
    });
    chart.on("click", function (params) { drill(data, params.data.code); });
    return chart;
  }

  function trendChart(data) {
    var chart = init("chart-trend");
    if (!chart) {
      return null;
    }
    var changes = data.trend.filter(function (point) { return point.standard_changed; }).map(function (point) {
      return { xAxis: String(point.year), label: { formatter: data.labels.standard_change, position: "insideEndTop" } };
    });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis", valueFormatter: function (value) { return rateText(value, data.labels); } },
      xAxis: { type: "category", data: data.trend.map(function (point) { return String(point.year); }) },
      yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      series: [
        { name: data.labels.rate, type: "line", itemStyle: { color: BRAND }, connectNulls: false,
          data: data.trend.map(function (point) { return point.rate; }),
          markLine: changes.length ? { symbol: "none", lineStyle: { color: "#fd7e14", type: "dashed" }, data: changes } : undefined },
        { name: data.labels.near_poor, type: "line", itemStyle: { color: "#d9822b" }, connectNulls: false,
          data: data.trend.map(function (point) { return point.near_poor_rate; }) },
      ],
    });
    // A click on a year opens that year for the same unit.
    chart.on("click", function (params) {
      var point = data.trend[params.dataIndex];
      if (point && point.year !== data.year) {
        var query = new URLSearchParams(window.location.search);
        query.set("year", String(point.year));
        query.set("view", data.query.view);  // the trend is drawn in one view: stay in it
        window.location.search = query.toString();
      }
    });
    return chart;
  }

  function groupsChart(data) {
    var chart = init("chart-groups");
    if (!chart) {
      return null;
    }
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 40, bottom: 16, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis", valueFormatter: function (value) { return rateText(value, data.labels); } },
      xAxis: { type: "category", data: data.groups.map(function (group) { return withUnknown(group.label, group.rate, data); }),
        axisLabel: { interval: 0, lineHeight: 14 } },
      yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      series: [
        { name: data.labels.rate, type: "bar", itemStyle: { color: BRAND },
          data: data.groups.map(function (group) { return group.rate; }) },
        { name: data.labels.target, type: "scatter", symbol: "rect", symbolSize: [36, 3],
          itemStyle: { color: "#198754" }, data: data.groups.map(function (group) { return group.target; }) },
      ],
    });
    return chart;
  }

  function projectsChart(data) {
    var chart = init("chart-projects");
    if (!chart) {
      return null;
    }
    var series = [];
    data.sources.forEach(function (source) {
      series.push({ name: source.label + " · " + data.labels.allocated, type: "bar", stack: "allocated",
        itemStyle: { color: source.colour, opacity: 0.45 }, data: source.allocated });
      series.push({ name: source.label + " · " + data.labels.disbursed, type: "bar", stack: "disbursed",
        itemStyle: { color: source.colour }, data: source.disbursed });
    });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 8, top: 64, bottom: 8, containLabel: true },
      legend: { type: "scroll", top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
        valueFormatter: function (value) { return moneyText(value) + " " + data.labels.million; } },
      xAxis: { type: "category", data: data.projects },
      yAxis: { type: "value", axisLabel: { formatter: moneyText } },
      series: series,
    });
    return chart;
  }

  function sourcesChart(data) {
    var chart = init("chart-sources");
    if (!chart) {
      return null;
    }
    function total(values) { return values.reduce(function (sum, value) { return sum + value; }, 0); }
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 8, top: 40, bottom: 16, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
        valueFormatter: function (value) { return moneyText(value) + " " + data.labels.million; } },
      xAxis: { type: "category", data: data.sources.map(function (source) { return source.label; }),
        axisLabel: { interval: 0, width: 110, overflow: "break", lineHeight: 14 } },
      yAxis: { type: "value", axisLabel: { formatter: moneyText } },
      series: [
        { name: data.labels.allocated, type: "bar", itemStyle: { color: GREY },
          data: data.sources.map(function (source) { return Math.round(total(source.allocated) * 1000) / 1000; }) },
        { name: data.labels.disbursed, type: "bar", itemStyle: { color: BRAND },
          data: data.sources.map(function (source) {
            return { value: Math.round(total(source.disbursed) * 1000) / 1000, itemStyle: { color: source.colour } };
          }) },
      ],
    });
    return chart;
  }

  var charts = null;

  function drawAll(data) {
    if (charts === null) {
      charts = [childrenChart, mapChart, trendChart, groupsChart, projectsChart, sourcesChart]
        .map(function (draw) { return draw(data); }).filter(Boolean);
    } else {
      charts.forEach(function (chart) { chart.resize(); });
    }
  }

  function setMode(root, mode, data) {
    root.setAttribute("data-mode", mode);
    document.querySelectorAll("button[data-mode]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-mode") === mode));
      button.classList.toggle("active", button.getAttribute("data-mode") === mode);
    });
    if (mode === "chart") {
      drawAll(data);
    }
    try { window.sessionStorage.setItem("dashboard-mode", mode); } catch (error) { /* private mode */ }
  }

  function start() {
    var source = document.getElementById("dashboard-data");
    var root = document.getElementById("dashboard");
    if (!source || !root || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("button[data-mode]").forEach(function (button) {
      button.addEventListener("click", function () { setMode(root, button.getAttribute("data-mode"), data); });
    });
    var saved = null;
    try { saved = window.sessionStorage.getItem("dashboard-mode"); } catch (error) { /* private mode */ }
    setMode(root, saved === "table" ? "table" : "chart", data);
    window.addEventListener("resize", function () {
      if (charts) { charts.forEach(function (chart) { chart.resize(); }); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
