(function () {
  "use strict";
  var d = document;
  d.documentElement.setAttribute("data-js", "ready");
  // Whether the style sheet was applied (the CSP allows it by hash): it
  // sets the body's margin to 0, the browser's default is 8px.
  d.documentElement.setAttribute("data-css",
    window.getComputedStyle(d.body).marginTop === "0px" ? "applied" : "missing");
  var all = [].slice.call(d.querySelectorAll("details.item"));
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = all.filter(function (s) { return !s.open; });
    opened.forEach(function (s) { s.open = true; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (s) { s.open = false; });
    opened = [];
  });
  // A link to an item (from the grid, or in the address) unfolds it.
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && d.getElementById(id);
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  // One set of controls for every grid on the page (a matrix has one per
  // direction); each grid keeps its own rows, sorted within it.
  var grids = [].slice.call(d.querySelectorAll("table.grid")).filter(function (g) {
    return g.tBodies.length;
  });
  var controls = d.getElementById("controls");
  if (!grids.length || !controls) { return; }
  var tables = grids.map(function (g) {
    return { body: g.tBodies[0], rows: [].slice.call(g.tBodies[0].rows) };
  });
  var total = tables.reduce(function (n, t) { return n + t.rows.length; }, 0);
  var sections = {};
  all.forEach(function (s) { sections[s.getAttribute("data-key")] = s; });
  var facets = [].slice.call(controls.querySelectorAll("select[data-facet]"));
  var search = d.getElementById("q");
  var sort = d.getElementById("sort");
  var shown = d.getElementById("shown");
  function values(row, facet) {
    var v = row.getAttribute("data-f-" + facet);
    return v ? v.split("\n") : [];
  }
  function apply() {
    var text = search.value.toLowerCase();
    var key = sort.value;
    var n = 0;
    tables.forEach(function (t) {
      var list = t.rows.slice();
      if (key) {
        list.sort(function (a, b) {
          var x = a.getAttribute("data-s-" + key) || "";
          var y = b.getAttribute("data-s-" + key) || "";
          return x.localeCompare(y, undefined, { numeric: true });
        });
      }
      list.forEach(function (row) {
        var ok = facets.every(function (f) {
          return !f.value || values(row, f.getAttribute("data-facet")).indexOf(f.value) >= 0;
        }) && (!text || (row.getAttribute("data-text") || "").indexOf(text) >= 0);
        row.hidden = !ok;
        if (ok) { n += 1; }
        t.body.appendChild(row);
        var s = sections[row.getAttribute("data-key")];
        if (s) { s.hidden = !ok; s.parentNode.appendChild(s); }
      });
    });
    shown.textContent = "showing " + n + " of " + total;
  }
  // A filtered view can be linked: report.html?verdict=incompatible&sort=role
  var params = new URLSearchParams(window.location.search);
  facets.forEach(function (f) {
    var v = params.get(f.getAttribute("data-facet"));
    if (v !== null) { f.value = v; }
  });
  if (params.get("sort") !== null) { sort.value = params.get("sort"); }
  if (params.get("q") !== null) { search.value = params.get("q"); }
  facets.concat([sort]).forEach(function (el) { el.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  controls.addEventListener("submit", function (e) { e.preventDefault(); });
  controls.hidden = false;
  apply();
})();
