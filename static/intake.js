// Intake pages, enhanced: questions that apply only after a certain answer appear and hide as the
// client answers, and an error summary takes focus. Without this file every question is shown
// with a hint saying when it applies, and the server ignores those that do not.
(function () {
  var form = document.querySelector("form.intake-form");
  if (!form) return;

  var conditional = Array.prototype.slice.call(form.querySelectorAll("[data-shown-when]"));

  function chosen(name, value) {
    return Array.prototype.some.call(form.elements, function (input) {
      if (input.name !== name || !input.checked) return false;
      var holder = input.closest("[data-shown-when]");
      return input.value === value && !(holder && holder.hidden);
    });
  }

  // In page order, so a question that depends on a hidden one is hidden too.
  function update() {
    conditional.forEach(function (holder) {
      holder.hidden = !chosen(holder.getAttribute("data-shown-when"), holder.getAttribute("data-shown-value"));
    });
  }

  // "Prefer not to say" among checkboxes stands alone: choosing it clears the others, and the reverse.
  function keepDeclineAlone(event) {
    var input = event.target;
    if (input.type !== "checkbox" || !input.checked) return;
    var group = input.closest("fieldset");
    if (!group) return;
    var declined = input.closest(".intake-decline") !== null;
    Array.prototype.forEach.call(group.querySelectorAll("input[type=checkbox]"), function (other) {
      if (other !== input && other.name === input.name && (other.closest(".intake-decline") !== null) !== declined) {
        other.checked = false;
      }
    });
  }

  if (conditional.length) {
    form.addEventListener("change", update);
    update();
  }
  form.addEventListener("change", keepDeclineAlone);

  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
