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

  // Numbers as the page's language writes them, grouped as the server groups them in the hint
  // ("2,000" in English, "2.000" in Spanish).
  var LANGUAGE = document.documentElement.lang || "en";

  function number(n) {
    try {
      return n.toLocaleString(LANGUAGE, { useGrouping: "always" });
    } catch (error) {
      return n.toLocaleString("en");
    }
  }

  // The count's words come translated from the page (templates/_form_field.html) with {length},
  // {limit} and {count} for the numbers; English if an older page has none.
  var ENGLISH = {
    count: "{length} of {limit} characters",
    over: "Your text is {length} characters; the limit is {limit}. Nothing you wrote is lost — please shorten it before you go on.",
    leftOne: "{count} character left.",
    leftOther: "{count} characters left.",
    within: "Your text is within the limit now."
  };

  function wordsOf(box) {
    var said = {};
    Object.keys(ENGLISH).forEach(function (key) {
      var attribute = "data-words-" + key.replace(/[A-Z]/g, function (letter) { return "-" + letter.toLowerCase(); });
      said[key] = box.getAttribute(attribute) || ENGLISH[key];
    });
    return said;
  }

  function filled(template, values) {
    return template.replace(/\{(length|limit|count)\}/g, function (whole, name) {
      return values[name] === undefined ? whole : number(values[name]);
    });
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
    var said = wordsOf(box);
    var timer = null;
    var announced = "";
    var wasOver = false;

    // The browser cuts a paste at maxlength without a word, and a long note may be someone's
    // whole story: the limit is only shown, and the server asks for a shorter one if need be.
    textarea.removeAttribute("maxlength");
    textarea.setAttribute("data-maxlength", String(limit));

    function words(length) {
      return filled(length > limit ? said.over : said.count, { length: length, limit: limit });
    }

    function announce() {
      var length = lengthOf(textarea.value);
      var left = limit - length;
      var text = "";
      if (length > limit) text = words(length);
      else if (length >= limit * NEAR) text = filled(left === 1 ? said.leftOne : said.leftOther, { count: left });
      else if (wasOver) text = said.within;
      wasOver = length > limit;
      if (text !== announced) {
        status.textContent = text;
        announced = text;
      }
    }

    function show(length, warn) {
      message.textContent = warn ? words(length) : filled(said.count, { length: length, limit: limit });
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
