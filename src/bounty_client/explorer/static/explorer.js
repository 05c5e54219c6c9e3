// ML Bounty explorer: countdowns that tick, a stage that follows the chain's clock, the Verify button.
// Plain script, no framework and no build step. Every value shown comes from the server's HTML or
// JSON and is written with textContent (never parsed as markup), except the verify panel, which is
// HTML the server rendered with autoescaping.
(function () {
  "use strict";
  var body = document.body;
  var chainNow = Number(body.dataset.now || 0);
  // chain time minus this clock; a static page keeps the offset it had when it was exported
  var wall = Number(body.dataset.wall || 0);
  var offset = chainNow ? chainNow - (wall || Date.now() / 1000) : 0;
  var STAGES = { SUBMISSION: "Submission", REVEAL: "Reveal", EVALUATION: "Evaluation",
                 CHALLENGE: "Challenge window", ARBITRATION: "Arbitration", EXPIRED: "Expired",
                 FINALIZED: "Finalized", CANCELLED: "Cancelled" };

  function now() { return Date.now() / 1000 + offset; }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // "in 1h 02m 03s" / "3m 10s ago" / "now": the relative time of a deadline, to the second.
  function relative(ts, t) {
    var delta = Math.round(ts - t);
    if (delta === 0) { return "now"; }
    var s = Math.abs(delta), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600);
    var m = Math.floor(s % 3600 / 60), sec = s % 60, text;
    if (d) { text = d + "d " + h + "h " + pad(m) + "m"; }
    else if (h) { text = h + "h " + pad(m) + "m " + pad(sec) + "s"; }
    else if (m) { text = m + "m " + pad(sec) + "s"; }
    else { text = sec + "s"; }
    return delta > 0 ? "in " + text : text + " ago";
  }

  function utc(ts) {
    var d = new Date(ts * 1000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds()) + " UTC";
  }

  var expired = false;
  function tick() {
    var t = now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var ts = Number(el.dataset.ts);
      el.textContent = relative(ts, t);
      el.classList.toggle("past", ts <= t);
      if (ts <= t && ts > t - 1.5) { expired = true; }
    });
    document.querySelectorAll("[data-clock]").forEach(function (el) { el.textContent = utc(t); });
    if (expired) { expired = false; poll(); } // a deadline just passed: ask the chain for the stage
  }

  function setStage(el, stage) {
    el.className = "stage stage-" + stage;
    el.textContent = STAGES[stage] || stage;
  }

  var statusUrl = body.dataset.statusUrl;
  var built = body.dataset.built;
  var polling = false;
  function poll() {
    if (!statusUrl || polling || !window.fetch) { return; }
    polling = true;
    fetch(statusUrl + "?since=" + encodeURIComponent(built || "0"), { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        offset = s.now - Date.now() / 1000;
        if (s.stage) {
          document.querySelectorAll(".page-head [data-stage]").forEach(function (el) { setStage(el, s.stage); });
        }
        if (s.bounties) {
          Object.keys(s.bounties).forEach(function (a) {
            var row = document.querySelector('tr[data-bounty="' + a + '"] [data-stage]');
            if (row) { setStage(row, s.bounties[a]); }
          });
        }
        if (s.changed) { document.getElementById("changed-banner").hidden = false; }
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { polling = false; });
  }

  // The verify panel: start the job, then refresh the panel (server-rendered HTML) until it ends.
  var panel = document.getElementById("verify-panel");
  function paintBars() {
    document.querySelectorAll(".progress .bar").forEach(function (bar) { bar.style.width = (bar.dataset.percent || 0) + "%"; });
  }
  function refreshPanel(url, options) {
    fetch(url, options || { headers: { "X-Explorer": "fetch" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        panel.innerHTML = html; // rendered by the server with autoescaping
        paintBars();
        var box = panel.querySelector("[data-poll]");
        if (box) { setTimeout(function () { refreshPanel(box.dataset.poll); }, 1000); }
      })
      .catch(function () { setTimeout(function () { refreshPanel(url); }, 3000); });
  }
  if (panel && window.fetch) {
    panel.addEventListener("submit", function (ev) {
      var form = ev.target.closest("form");
      if (!form) { return; }
      ev.preventDefault();
      var button = form.querySelector("button");
      if (button) { button.disabled = true; button.textContent = "Starting…"; }
      refreshPanel(form.action, { method: "POST", headers: { "X-Explorer": "fetch" } });
    });
    var running = panel.querySelector("[data-poll]");
    if (running) { refreshPanel(running.dataset.poll); }
  }
  paintBars();

  tick();
  setInterval(tick, 1000);
  if (statusUrl) { setInterval(poll, 5000); }
})();
