// A "Copy link" button beside each read-only [data-copy-link] input. Without JavaScript the link
// is plain text to select and copy, and there is no button that could not work.
// The input carries the words, translated by its page: data-copy-label (the button),
// data-copied and data-copy-selected (what is announced); English when it has none.
(function () {
  var CLEAR_AFTER_MS = 4000;
  var ENGLISH = {
    label: "Copy link",
    copied: "Link copied",
    selected: "The link is selected: copy it with your device's copy command"
  };

  function copyText(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value);
    }
    // Older browsers and plain-http pages: copy the selection instead.
    input.focus();
    input.select();
    try {
      return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("not copied"));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  function announcer(input) {
    var status = document.getElementById(input.getAttribute("data-copy-status") || "");
    var timer = null;
    return function (message) {
      if (!status) return;
      // Emptied first, so the same words are announced again on a second press.
      status.textContent = "";
      window.clearTimeout(timer);
      window.setTimeout(function () {
        status.textContent = message;
        timer = window.setTimeout(function () { status.textContent = ""; }, CLEAR_AFTER_MS);
      }, 50);
    };
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-copy-link]"), function (input) {
    var announce = announcer(input);
    var said = {
      label: input.getAttribute("data-copy-label") || ENGLISH.label,
      copied: input.getAttribute("data-copied") || ENGLISH.copied,
      selected: input.getAttribute("data-copy-selected") || ENGLISH.selected
    };
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button-quiet copy-link-button";
    button.textContent = said.label;
    button.addEventListener("click", function () {
      copyText(input).then(
        function () { announce(said.copied); },
        function () {
          input.focus();
          input.select();
          announce(said.selected);
        }
      );
    });
    input.addEventListener("focus", function () { input.select(); });
    input.insertAdjacentElement("afterend", button);
  });
})();
