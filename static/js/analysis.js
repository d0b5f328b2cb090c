// The analysis page (/analysis/): sortable columns, the chart of the table (ECharts, from static/vendor) and its
// PNG download, and the print button. No inline scripts (CSP): the chart's data comes from the json_script block
// "analysis-data". Unknown values (null) are drawn as gaps and sorted last, never as 0.
(function () {
  "use strict";

  var COLOURS = ["#2b7bb9", "#d9822b", "#198754", "#6f42c1", "#20c997", "#fd7e14", "#0dcaf0", "#6c757d",
    "#d63384", "#795548", "#3f51b5", "#9e9d24"];
  var BRAND = "#8a1c1c";
  var MAX_LINES = 12;

  function sortTable(table, column, kind, button) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (row) { return row.dataset.unit; });
    var current = button.getAttribute("aria-sort");
    var ascending = current !== "ascending";
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.value;
      var y = b.cells[column].dataset.value;
      if (kind === "number") {
        if (x === "" && y === "") { return 0; }
        if (x === "") { return 1; }  // unknown last, either way
        if (y === "") { return -1; }
        return ascending ? Number(x) - Number(y) : Number(y) - Number(x);
      }
      return ascending ? x.localeCompare(y, "vi") : y.localeCompare(x, "vi");
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("button.sort").forEach(function (other) {
      other.removeAttribute("aria-sort");
      other.closest("th").removeAttribute("aria-sort");
    });
    var state = ascending ? "ascending" : "descending";
    button.setAttribute("aria-sort", state);
    button.closest("th").setAttribute("aria-sort", state);
  }

  function valueText(value, data) {
    if (value === null || value === undefined) {
      return data.labels.no_data;
    }
    if (data.kind === "rate") {
      return Number(value).toLocaleString("vi-VN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + "%";
    }
    return Number(value).toLocaleString("vi-VN");
  }

  function chartOption(data) {
    var base = {
      animation: false,
      backgroundColor: "#ffffff",
      title: { text: data.labels.measure, left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", valueFormatter: function (value) { return valueText(value, data); } },
      grid: { left: 60, right: 20, top: 60, bottom: 60, containLabel: true },
    };
    if (data.rows.length <= MAX_LINES) {
      var series = data.rows.map(function (row, index) {
        return { name: row.name, type: "line", data: row.values, connectNulls: false, symbolSize: 6,
          lineStyle: { width: 1.5 }, itemStyle: { color: COLOURS[index % COLOURS.length] } };
      });
      series.push({ name: data.total.name, type: "line", data: data.total.values, symbolSize: 8,
        lineStyle: { width: 3 }, itemStyle: { color: BRAND } });
      base.legend = { type: "scroll", bottom: 0 };
      base.xAxis = { type: "category", data: data.years };
      base.yAxis = { type: "value", scale: true };
      base.series = series;
      return base;
    }
    // Many rows: bars of the last year, highest first; the unit's own figure as a line.
    var last = data.years.length - 1;
    var bars = data.rows.map(function (row) { return { name: row.name, value: row.values[last] }; })
      .sort(function (a, b) { return (b.value === null ? -Infinity : b.value) - (a.value === null ? -Infinity : a.value); });
    base.title.text = data.labels.measure + " · " + data.years[last];
    base.tooltip = { trigger: "item", valueFormatter: function (value) { return valueText(value, data); } };
    base.xAxis = { type: "category", data: bars.map(function (bar) { return bar.name; }),
      axisLabel: { rotate: 60, interval: 0, fontSize: 10 } };
    base.yAxis = { type: "value" };
    base.series = [{ type: "bar", data: bars.map(function (bar) { return bar.value; }), itemStyle: { color: "#2b7bb9" },
      markLine: data.total.values[last] === null ? undefined : { symbol: "none", data: [{ yAxis: data.total.values[last] }],
        lineStyle: { color: BRAND, width: 2 }, label: { formatter: data.total.name } } }];
    base.grid.bottom = 40;
    return base;
  }

  function drawChart() {
    var holder = document.getElementById("analysis-chart");
    var source = document.getElementById("analysis-data");
    if (!holder || !source || !window.echarts) {
      return null;
    }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder, null, { renderer: "canvas" });
    chart.setOption(chartOption(data));
    window.addEventListener("resize", function () { chart.resize(); });
    window.addEventListener("beforeprint", function () { chart.resize(); });
    var png = document.getElementById("analysis-png");
    if (png) {
      png.hidden = false;
      png.addEventListener("click", function () {
        var link = document.createElement("a");
        link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
        link.download = data.filename;
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    }
    return chart;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("analysis-table");
    if (table) {
      table.querySelectorAll("button.sort").forEach(function (button) {
        button.addEventListener("click", function () {
          sortTable(table, Number(button.dataset.column), button.dataset.sort, button);
        });
      });
    }
    var print = document.getElementById("analysis-print");
    if (print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
    drawChart();
  });
})();
