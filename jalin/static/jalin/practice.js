// Polls the analysis job's status while it runs and reloads the page when it is finished.
// Same-origin, no inline code (CSP); without JavaScript the page offers a "Refresh" link.
(function () {
  "use strict";
  var box = document.getElementById("job-status");
  if (!box || box.getAttribute("data-active") !== "1") { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("progress");
  var pct = box.querySelector(".job-progress");
  var label = box.querySelector(".job-label");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (bar) { bar.value = data.progress; }
        if (pct) { pct.textContent = String(data.progress); }
        if (label) { label.textContent = data.status_display; }
        if (data.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
