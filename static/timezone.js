// Show times in the visitor's own timezone when the page was opened without one.
(function () {
  var params = new URLSearchParams(window.location.search);
  if (params.has("tz")) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var select = document.getElementById("tz");
  if (!zone || !select) return;
  var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
  if (!known || select.value === zone) return;
  params.set("tz", zone);
  window.location.replace(window.location.pathname + "?" + params.toString());
})();
