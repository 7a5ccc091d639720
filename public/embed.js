// StorePulse embed runtime, loaded by /embed/{dashboard} pages only. It is a file of this site
// because the Content-Security-Policy allows no inline script. It
//  - sends the embed token (Authorization: Bearer) with every data request of the page;
//  - asks the host page for a new token before the current one expires, and swaps it in without
//    a reload, so the viewer keeps their filters and scroll position;
//  - shows a clear message when the token expired and no new one came;
//  - reports the content height to the host, so that it can size the iframe;
//  - downloads CSV exports inside the frame (same origin, no new window).
// Messages (docs/embedding.md): to the host {type: "storepulse:token-request", embed, dashboard,
// expiresAt}, {type: "storepulse:height", height}, {type: "storepulse:token-accepted", expiresAt},
// {type: "storepulse:expired"}; from the host {type: "storepulse:token", token}.
(function () {
  "use strict";
  var token = new URLSearchParams(location.search).get("token") || "";
  var host = window.parent !== window ? window.parent : null;
  var renewTimer = null;
  var expireTimer = null;
  // setTimeout holds at most 2^31 - 1 ms (24.8 days); longer waits are taken in steps.
  var MAX_DELAY = 2147483647;
  function later(fn, ms) {
    var due = Date.now() + ms;
    var step = function () {
      var left = due - Date.now();
      if (left > 0) return setTimeout(step, Math.min(left, MAX_DELAY));
      fn();
    };
    return setTimeout(step, Math.min(Math.max(ms, 0), MAX_DELAY));
  }

  function claims(t) {
    try {
      var part = t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part));
    } catch (e) {
      return {};
    }
  }
  function expiresAt(t) {
    return (claims(t).exp || 0) * 1000;
  }
  function root() {
    return document.querySelector(".embed");
  }
  function allowedOrigins() {
    var r = root();
    return ((r && r.getAttribute("data-embed-origins")) || "").split(" ").filter(Boolean);
  }
  // Nothing secret goes out: the host learns only what it already knows.
  function post(message) {
    if (host) host.postMessage(message, "*");
  }

  // Every same-origin data request carries the token, and so does the embed page itself when
  // public/nav.js fetches it again to show other filters in place (the token in the address may
  // be one that has since been renewed).
  var nativeFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = new URL(typeof input === "string" ? input : input.url || String(input), location.href);
    var ours = url.origin === location.origin &&
      (url.pathname.indexOf("/fn/") === 0 || url.pathname.indexOf("/api/") === 0 ||
        url.pathname.indexOf("/embed/") === 0);
    if (!ours || !token) return nativeFetch(input, init);
    if (typeof Request !== "undefined" && input instanceof Request) {
      var request = new Request(input, init);
      request.headers.set("Authorization", "Bearer " + token);
      return nativeFetch(request);
    }
    var options = Object.assign({}, init || {});
    var headers = new Headers(options.headers || {});
    headers.set("Authorization", "Bearer " + token);
    options.headers = headers;
    return nativeFetch(input, options);
  };

  function setExpired(expired) {
    var box = document.getElementById("embed-expired");
    if (box) box.hidden = !expired;
    document.documentElement.classList.toggle("embed-is-expired", expired);
  }
  function requestToken() {
    var c = claims(token);
    post({ type: "storepulse:token-request", embed: c.embed, dashboard: c.dashboard, expiresAt: expiresAt(token) });
  }
  function schedule() {
    clearTimeout(renewTimer);
    clearTimeout(expireTimer);
    var left = expiresAt(token) - Date.now();
    if (left <= 0) {
      setExpired(true);
      post({ type: "storepulse:expired" });
      requestToken();
      return;
    }
    // Ask a minute ahead (or halfway, for short-lived tokens); ask again if no answer came.
    var ahead = Math.min(60000, left / 2);
    renewTimer = later(function () {
      requestToken();
      renewTimer = setTimeout(requestToken, Math.max(1000, ahead / 2));
    }, left - ahead);
    expireTimer = later(function () {
      setExpired(true);
      post({ type: "storepulse:expired" });
    }, left);
  }
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || allowedOrigins().indexOf(event.origin) < 0) return;
    var data = event.data;
    if (!data || data.type !== "storepulse:token" || typeof data.token !== "string") return;
    var c = claims(data.token);
    var current = claims(token);
    if (c.embed !== current.embed || expiresAt(data.token) <= Date.now()) return;
    token = data.token;
    setExpired(false);
    schedule();
    post({ type: "storepulse:token-accepted", expiresAt: expiresAt(token) });
  });

  // CSV exports: fetched with the token, saved from a blob URL.
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[data-embed-export]") : null;
    if (!link) return;
    event.preventDefault();
    fetch(link.href)
      .then(function (response) {
        if (!response.ok) throw new Error("export refused (" + response.status + ")");
        var disposition = response.headers.get("Content-Disposition") || "";
        var match = /filename="([^"]+)"/.exec(disposition);
        return response.blob().then(function (blob) {
          return { blob: blob, name: match ? match[1] : "export.csv" };
        });
      })
      .then(function (file) {
        var url = URL.createObjectURL(file.blob);
        var a = document.createElement("a");
        a.href = url;
        a.download = file.name;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      })
      .catch(function (err) {
        var message = "The export failed: " + String(err.message || err) + ".";
        link.setAttribute("data-export-error", message);
        var note = document.createElement("span");
        note.className = "form-error small";
        note.setAttribute("role", "alert");
        note.textContent = message;
        link.insertAdjacentElement("afterend", note);
        setTimeout(function () { note.remove(); }, 8000);
      });
  }, true);

  // The content's own height (the document's never drops below the frame's, so the host could
  // grow the frame but never shrink it).
  function reportHeight() {
    post({ type: "storepulse:height", height: Math.ceil(document.body.getBoundingClientRect().height) });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (token) schedule();
    reportHeight();
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(reportHeight).observe(document.body);
  });
})();
