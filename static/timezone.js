// Show times in the visitor's own timezone when the page was opened without one.
// The server lists it first in the selector, even when it is an alias missing from the grouped
// list (some browsers still say "Asia/Calcutta"); a zone it doesn't know shows the practice's.
(function () {
  var params = new URLSearchParams(window.location.search);
  if (params.has("tz")) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var select = document.getElementById("tz");
  if (!zone || !select || select.value === zone) return;
  if (zone.length > 64 || !/^[A-Za-z0-9_+\-\/]+$/.test(zone)) return;
  params.set("tz", zone);
  window.location.replace(window.location.pathname + "?" + params.toString());
})();
