// Client forms, enhanced: the error summary takes focus, and a textarea with a limit shows how
// much has been written. Without this file the summary is still first in the form with a link to
// each field, and the textarea keeps the maxlength the server gave it.
(function () {
  // Loaded once per page, even if a page and its layout both ask for it.
  if (document.documentElement.hasAttribute("data-forms-enhanced")) return;
  document.documentElement.setAttribute("data-forms-enhanced", "");

  var NEAR = 0.9;
  // Screen readers hear the count only once typing pauses, and only near or over the limit.
  var ANNOUNCE_AFTER_MS = 1000;

  function number(n) {
    return n.toLocaleString("en");
  }

  // As the server counts: characters, not UTF-16 units (an emoji is one), a line break as one.
  function lengthOf(text) {
    return Array.from(text).length;
  }

  function focusSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    // A link in the summary brings its field into view with its label above it, and focuses it.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var input = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!input) return;
      event.preventDefault();
      var holder = input.closest(".field") || input;
      holder.scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  function count(textarea) {
    var box = document.getElementById(textarea.getAttribute("data-count"));
    var limit = parseInt(textarea.getAttribute("maxlength"), 10);
    if (!box || !(limit > 0)) return;
    var message = box.querySelector(".char-count-message");
    var status = box.querySelector("[data-count-status]");
    var noun = box.getAttribute("data-limit-noun") || "text";
    var timer = null;
    var announced = "";
    var wasOver = false;

    // The browser cuts a paste at maxlength without a word, and a long note may be someone's
    // whole story: the limit is only shown, and the server asks for a shorter one if need be.
    textarea.removeAttribute("maxlength");
    textarea.setAttribute("data-maxlength", String(limit));

    function words(length) {
      if (length > limit) {
        return "Your " + noun + " is " + number(length) + " characters; the limit is " + number(limit) +
          ". Nothing you wrote is lost — please shorten it before you go on.";
      }
      return number(length) + " of " + number(limit) + " characters";
    }

    function announce() {
      var length = lengthOf(textarea.value);
      var said = "";
      if (length > limit) said = words(length);
      else if (length >= limit * NEAR) said = number(limit - length) + " characters left.";
      else if (wasOver) said = "Your " + noun + " is within the limit now.";
      wasOver = length > limit;
      if (said !== announced) {
        status.textContent = said;
        announced = said;
      }
    }

    function show(length, warn) {
      message.textContent = warn ? words(length) : number(length) + " of " + number(limit) + " characters";
      box.classList.toggle("char-count-over", length > limit);
    }

    function update() {
      show(lengthOf(textarea.value), true);
      window.clearTimeout(timer);
      timer = window.setTimeout(announce, ANNOUNCE_AFTER_MS);
    }

    var initial = lengthOf(textarea.value);
    wasOver = initial > limit;
    // Sent back too long, the server's message beside the field already says it kindly: once is enough.
    show(initial, textarea.getAttribute("aria-invalid") !== "true");
    box.hidden = false;
    textarea.addEventListener("input", update);
  }

  Array.prototype.forEach.call(document.querySelectorAll("textarea[data-count][maxlength]"), count);
  focusSummary();
})();
