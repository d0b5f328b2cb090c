// "Tải ảnh PNG" under every chart (issue 20), one helper for all pages (no inline scripts: CSP). A button
// <button data-chart-png="ID" data-filename="…png" data-title="…" hidden> (templates/partials/chart_png_button.html)
// is shown once ECharts is there; a click saves the chart drawn in #ID as a PNG at twice its size, on white, with
// the title line (chart, unit, year) above it so that a picture pasted into a briefing still says what it shows.
// Charts drawn with the canvas or the SVG renderer both work: the chart's image is redrawn onto a canvas.
(function () {
  "use strict";

  var SCALE = 2;
  var FONT = "'Be Vietnam Pro', 'Segoe UI', Arial, sans-serif";

  function save(blob, filename) {
    var link = document.createElement("a");
    var url = URL.createObjectURL(blob);
    link.href = url;
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function compose(chart, title, done) {
    var width = chart.getWidth();
    var height = chart.getHeight();
    var image = new Image();
    image.onload = function () {
      var header = title ? 36 : 0;
      var canvas = document.createElement("canvas");
      canvas.width = width * SCALE;
      canvas.height = (height + header) * SCALE;
      var context = canvas.getContext("2d");
      context.scale(SCALE, SCALE);
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, width, height + header);
      if (title) {
        var size = 16;
        context.font = "600 " + size + "px " + FONT;
        while (size > 10 && context.measureText(title).width > width - 16) {
          size -= 1;
          context.font = "600 " + size + "px " + FONT;
        }
        context.fillStyle = "#212529";
        context.textBaseline = "middle";
        context.fillText(title, 8, header / 2);
      }
      context.drawImage(image, 0, header, width, height);
      canvas.toBlob(done, "image/png");
    };
    image.onerror = function () { done(null); };
    image.src = chart.getDataURL({ type: "png", pixelRatio: SCALE, backgroundColor: "#ffffff" });
  }

  function wire(button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var holder = document.getElementById(button.getAttribute("data-chart-png"));
      var chart = holder && window.echarts.getInstanceByDom(holder);
      if (!chart) {
        return;
      }
      button.disabled = true;
      compose(chart, button.getAttribute("data-title"), function (blob) {
        button.disabled = false;
        if (blob) {
          save(blob, button.getAttribute("data-filename") || "bieu-do.png");
        }
      });
    });
  }

  function start() {
    if (typeof window.echarts === "undefined") {
      return;  // no charts, no buttons: the tables stay
    }
    document.querySelectorAll("button[data-chart-png]").forEach(wire);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
