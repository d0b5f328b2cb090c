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
      // Slanted unit names reach left of the first bar: room for them (containLabel counts only the y axis there).
      grid: { left: data.children.length > 6 ? 64 : 8, right: 16, top: 24, bottom: 8, containLabel: true },
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

  // The tile map (reports/tilemap.py): each child unit an equal square on the grid the server computed from the
  // units' coordinates, coloured by its class of poverty rate, labelled with its name and rate; the legend gives
  // each class its numbers. SVG renderer: crisp when printed, and the labels are text. Sized from its width:
  // tiles of at most 96 px, the height follows the number of rows.
  function mapLayout(container, map) {
    var width = Math.max(container.clientWidth, 240);
    var tile = Math.max(26, Math.min(96, Math.floor((width - 16) / Math.max(map.columns, 1))));
    var perRow = Math.max(1, Math.floor((width - 16) / 116));
    var legendRows = Math.ceil(map.classes.length / perRow);
    var legendHeight = 24 + legendRows * 22;
    return { width: width, tile: tile, perRow: perRow, left: Math.round((width - tile * map.columns) / 2), top: 8,
      legendTop: 8 + tile * map.rows + 14, height: 8 + tile * map.rows + 14 + legendHeight + 4 };
  }

  function mapOption(data, box) {
    var map = data.map;
    var tile = box.tile;
    var nameSize = Math.max(9, Math.min(13, Math.round(tile / 7)));
    var legend = [{ type: "text", left: 0, top: 0, style: { text: map.labels.legend_title, fontSize: 12,
      fontWeight: 600, fill: "#212529" } }];
    map.classes.forEach(function (entry, index) {
      var x = (index % box.perRow) * 116;
      var y = 22 + Math.floor(index / box.perRow) * 22;
      legend.push({ type: "rect", shape: { x: x, y: y, width: 18, height: 14 },
        style: { fill: entry.colour, stroke: "#6c757d", lineWidth: 0.5 } });
      legend.push({ type: "text", x: x + 24, y: y + 1, style: { text: entry.label, fontSize: 12, fill: "#212529" } });
    });
    return {
      animation: false,
      tooltip: { formatter: function (p) {
        var unit = map.tiles[p.dataIndex];
        var encode = window.echarts.format.encodeHTML;
        return encode(unit.name) + ": " + encode(rateText(unit.rate, data.labels))
          + (unit.placed ? "" : " (" + encode(map.labels.no_position) + ")");
      } },
      graphic: [{ type: "group", left: Math.max(8, Math.round((box.width - box.perRow * 116) / 2) + 8), top: box.legendTop,
        children: legend }],
      series: [{
        type: "custom", coordinateSystem: "none", cursor: data.drillable ? "pointer" : "default",
        data: map.tiles.map(function (unit, index) { return [unit.col, unit.row, unit["class"], index]; }),
        renderItem: function (params, api) {
          var unit = map.tiles[api.value(3)];
          var entry = map.classes[unit["class"]];
          var x = box.left + unit.col * tile;
          var y = box.top + unit.row * tile;
          var rate = unit.rate === null ? "—" : rateText(unit.rate, data.labels);
          return { type: "group", children: [
            { type: "rect", shape: { x: x + 1, y: y + 1, width: tile - 2, height: tile - 2, r: 3 },
              style: { fill: entry.colour, stroke: unit.placed ? "#ffffff" : "#6c757d", lineWidth: 1,
                lineDash: unit.placed ? null : [3, 2] } },
            { type: "text", silent: true, style: { text: unit.short, x: x + tile / 2, y: y + tile * 0.36,
              align: "center", verticalAlign: "middle", fontSize: nameSize, fill: entry.text,
              width: tile - 6, overflow: "truncate", ellipsis: "…" } },
            { type: "text", silent: true, style: { text: rate, x: x + tile / 2, y: y + tile * 0.68,
              align: "center", verticalAlign: "middle", fontSize: nameSize + 1, fontWeight: 700, fill: entry.text,
              width: tile - 4, overflow: "truncate", ellipsis: "" } },
          ] };
        },
      }],
    };
  }

  // The grid the tiles are drawn on, on the container (data-tile-left/-top/-size, CSS pixels from its top left
  // corner): where a unit's tile is (a click there drills down), for the browser tests and anyone scripting the page.
  function markLayout(container, box) {
    container.setAttribute("data-tile-left", String(box.left));
    container.setAttribute("data-tile-top", String(box.top));
    container.setAttribute("data-tile-size", String(box.tile));
  }

  function mapChart(data) {
    var container = document.getElementById("chart-map");
    if (!container || !data.map || !data.map.tiles.length) {
      return null;
    }
    var box = mapLayout(container, data.map);
    container.style.height = box.height + "px";
    markLayout(container, box);
    var chart = window.echarts.init(container, null, { renderer: "svg" });
    chart.setOption(mapOption(data, box));
    chart.on("click", function (params) {
      if (params.componentType === "series") { drill(data, data.map.tiles[params.dataIndex].code); }
    });
    window.addEventListener("resize", function () {
      if (!container.clientWidth) {
        return;
      }
      var next = mapLayout(container, data.map);
      if (next.width !== box.width) {
        box = next;
        container.style.height = box.height + "px";
        markLayout(container, box);
        chart.resize();
        chart.setOption(mapOption(data, box), true);
      }
    });
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
    // Group names break onto lines within their share of the width (on a phone they would run into each other).
    var labelWidth = Math.max(56, Math.floor((chart.getWidth() - 64) / Math.max(data.groups.length, 1)) - 8);
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 40, bottom: 16, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis", valueFormatter: function (value) { return rateText(value, data.labels); } },
      xAxis: { type: "category", data: data.groups.map(function (group) { return withUnknown(group.label, group.rate, data); }),
        axisLabel: { interval: 0, lineHeight: 14, width: labelWidth, overflow: "break" } },
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
