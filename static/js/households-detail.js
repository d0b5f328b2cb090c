// The household page's deprivation chart: indicators (rows) by review (columns), from the json_script data.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("deprivation-chart-data");
    var container = document.getElementById("deprivation-chart");
    if (!source || !container || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var names = data.indicators.map(function (indicator) { return indicator.name; });
    var cells = data.cells.filter(function (cell) { return cell[2] !== null; });
    container.style.height = Math.max(220, 60 + names.length * 28) + "px";
    var chart = window.echarts.init(container, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
      tooltip: {
        formatter: function (params) {
          var state = params.value[2] === 1 ? data.labels.deprived : data.labels.not_deprived;
          var encode = window.echarts.format.encodeHTML;
          return encode(data.columns[params.value[0]]) + "<br>" + encode(names[params.value[1]]) + ": " + encode(state);
        },
      },
      xAxis: { type: "category", data: data.columns, splitArea: { show: true } },
      yAxis: {
        type: "category", data: names, inverse: true,
        axisLabel: { width: 170, overflow: "truncate" },
      },
      visualMap: {
        type: "piecewise", orient: "horizontal", left: "center", bottom: 0,
        pieces: [
          { value: 1, label: data.labels.deprived, color: "#b02a37" },
          { value: 0, label: data.labels.not_deprived, color: "#d1e7dd" },
        ],
      },
      series: [{
        type: "heatmap", data: cells,
        itemStyle: { borderColor: "#fff", borderWidth: 2 },
        emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } },
      }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
