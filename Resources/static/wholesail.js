// Wholesail: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // Quantity steppers: buttons next to a number input with data-step / min.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-qty-step]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-qty-for"));
    if (!input) return;
    var step = parseFloat(input.step || "1") || 1;
    var min = parseFloat(input.min || "0") || 0;
    var value = (parseFloat(input.value) || 0) + step * parseInt(button.getAttribute("data-qty-step"), 10);
    input.value = String(Math.max(min, Math.round(value * 1000) / 1000));
  });
  // 360° view: a range input walks the ordered frames.
  document.addEventListener("input", function (event) {
    var range = event.target.closest("[data-spin-range]");
    if (!range) return;
    var box = range.closest("[data-spin]");
    var frame = box.querySelector('[data-spin-frame="' + range.value + '"]');
    if (frame) box.querySelector("[data-spin-image]").src = frame.getAttribute("data-src");
  });
})();
