/* The diary: a tap on a mark opens its details (work type, weight, dates, teacher, comment)
   in one dialog. Values go in as text, never as HTML: a comment is whatever a teacher typed. */
(function () {
  "use strict";
  var dialog = document.getElementById("diary-mark-dialog");
  if (!dialog || typeof dialog.showModal !== "function") {
    return; // without <dialog> the mark's title attribute still tells its details
  }
  var fields = ["value", "subject", "work-type", "weight", "date", "entered", "teacher", "comment"];

  function show(button) {
    fields.forEach(function (name) {
      var target = dialog.querySelector('[data-field="' + name + '"]');
      var text = button.getAttribute("data-" + name) || "";
      target.textContent = text || target.getAttribute("data-empty") || "—";
    });
    dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".diary-mark");
    if (button) {
      show(button);
      return;
    }
    if (event.target === dialog) {
      dialog.close(); // a tap on the backdrop closes it, as on a phone one expects
    }
  });
})();
