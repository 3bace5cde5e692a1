/* benech-publish serve: live preview. Pages work without this script; with
   it, an open page follows the background build: the status line shows the
   progress, and when a build changes anything the page's content is fetched
   again and replaced in place (focus and scroll position are kept). */
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var body = document.body;
  var shown = Number(body.getAttribute("data-version")) || 0;
  var wanted = shown;
  var busy = false;

  function swap(doc, id) {
    var fresh = doc.getElementById(id), old = document.getElementById(id);
    if (fresh && old) { old.replaceWith(document.importNode(fresh, true)); }
  }

  function refresh() {
    if (busy || wanted <= shown) { return; }
    busy = true;
    var target = wanted;
    fetch(window.location.href, { headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var focused = document.activeElement && document.activeElement.id;
        var x = window.scrollX, y = window.scrollY;
        swap(doc, "main");
        swap(doc, "build-detail");
        document.title = doc.title;
        shown = Number(doc.body.getAttribute("data-version")) || target;
        body.setAttribute("data-version", String(shown));
        if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
        window.scrollTo(x, y);
      })
      .catch(function () { /* the server is restarting: the next event retries */ })
      .then(function () { busy = false; if (wanted > shown) { refresh(); } });
  }

  var source = new EventSource("/events");
  source.onmessage = function (event) {
    var status;
    try { status = JSON.parse(event.data); } catch (e) { return; }
    /* the status line is a live region: it changes only when a build starts
       or ends, so screen readers announce just that; the progress bar below it
       follows every step */
    var summary = document.getElementById("build-summary");
    if (summary && summary.textContent !== status.summary) { summary.textContent = status.summary; }
    var box = document.getElementById("build");
    if (box) { box.classList.toggle("building", status.state === "building"); }
    var bar = document.getElementById("build-progress");
    if (bar && status.total) { bar.max = status.total; bar.value = status.done; }
    var count = document.getElementById("build-count");
    var words = count && count.getAttribute("data-template");
    if (words && status.total) {
      count.textContent = words.replace("{done}", String(status.done)).replace("{total}", String(status.total));
    }
    if (status.version > wanted) { wanted = status.version; refresh(); }
  };
}());
