// Programmes pages: no inline scripts (CSP). The target form explains what the number means for the choice
// made: a reduction in percentage points, or the target rate itself.
(function () {
  "use strict";

  function targetForm() {
    var radios = document.querySelectorAll('input[name="entered_as"]');
    var label = document.querySelector('label[for="id_value"]');
    if (!radios.length || !label) {
      return;
    }
    var texts = {
      points: "Mức giảm (điểm phần trăm, ví dụ 3,00 cho “giảm 3%”)",
      rate: "Tỷ lệ hộ nghèo mục tiêu cuối năm (%, ví dụ 5,92)"
    };
    function update() {
      var checked = document.querySelector('input[name="entered_as"]:checked');
      if (checked && texts[checked.value]) {
        label.textContent = texts[checked.value];
      }
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", targetForm);
  } else {
    targetForm();
  }
})();
