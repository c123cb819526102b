// Assay report: renders the per-task table and, on demand, one task's samples.
// No network access: everything is in this file. Errors are shown at the top of the page.
(function () {
  "use strict";
  var errors = document.getElementById("script-errors");
  function reportError(message) {
    errors.hidden = false;
    errors.textContent += message + "\n";
    document.documentElement.setAttribute("data-script-errors", "1");
  }
  window.addEventListener("error", function (event) { reportError("error: " + event.message + " (line " + event.lineno + ")"); });
  window.addEventListener("unhandledrejection", function (event) { reportError("unhandled rejection: " + event.reason); });

  var data = JSON.parse(document.getElementById("report-data").textContent);
  var tasks = data.tasks;
  var PAGE = 100, SAMPLE_PAGE = 20;
  var state = { filter: "", status: "", failing: false, key: null, dir: 1, page: 0, open: null };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) for (var name in attrs) {
      if (name === "text") node.textContent = attrs[name];
      else if (name === "cls") node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    }
    (children || []).forEach(function (child) { if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child); });
    return node;
  }
  function fmt(value) { return value === null || value === undefined ? "–" : value.toFixed(4); }
  function badge(status, count) { return el("span", { cls: "badge " + status, text: count === undefined ? status : status + " " + count }); }

  var statusSelect = document.getElementById("task-status");
  data.statuses.forEach(function (status) { statusSelect.appendChild(el("option", { value: status, text: status })); });

  function matches(task) {
    if (state.failing && task.c === task.n) return false;
    if (state.status && !task.st[state.status]) return false;
    if (!state.filter) return true;
    var text = (task.id + " " + Object.keys(task.st).join(" ") + " " + (task.f || "")).toLowerCase();
    return state.filter.split(/\s+/).every(function (word) { return text.indexOf(word) >= 0; });
  }
  function sortValue(task, key) {
    switch (key) {
      case "taskID": return task.order;
      case "executed": return task.n;
      case "c": return task.c;
      case "passAt1": return task.p === null ? -1 : task.p;
      case "statuses": return Object.keys(task.st).sort().join(",");
      case "firstFailure": return task.f || "";
    }
    return task.order;
  }
  function visible() {
    var list = tasks.filter(matches);
    if (state.key) {
      list.sort(function (a, b) {
        var x = sortValue(a, state.key), y = sortValue(b, state.key);
        return (x < y ? -1 : x > y ? 1 : a.order - b.order) * state.dir;
      });
    }
    return list;
  }

  function renderTable() {
    var list = visible();
    var pages = Math.max(1, Math.ceil(list.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    var body = document.querySelector("#task-table tbody");
    body.textContent = "";
    list.slice(state.page * PAGE, (state.page + 1) * PAGE).forEach(function (task) {
      var statuses = el("td", null, Object.keys(task.st).sort().map(function (s) { return badge(s, task.st[s]); }));
      var row = el("tr", { "data-task": task.id }, [
        el("td", { text: task.id }), el("td", { cls: "num", text: String(task.n) }), el("td", { cls: "num", text: String(task.c) }),
        el("td", { cls: "num", text: fmt(task.p) }), statuses, el("td", { cls: "why", text: task.f || "", title: task.f || "" })
      ]);
      if (state.open === task.id) row.className = "open";
      row.addEventListener("click", function () { openTask(task.id, true); });
      body.appendChild(row);
    });
    document.getElementById("task-count").textContent = list.length + " of " + tasks.length + " tasks";
    var pager = document.getElementById("task-pager");
    pager.textContent = "";
    if (pages > 1) {
      var prev = el("button", { text: "‹ previous" }), next = el("button", { text: "next ›" });
      prev.disabled = state.page === 0; next.disabled = state.page >= pages - 1;
      prev.addEventListener("click", function () { state.page--; renderTable(); });
      next.addEventListener("click", function () { state.page++; renderTable(); });
      pager.appendChild(prev); pager.appendChild(el("span", { text: "page " + (state.page + 1) + " of " + pages })); pager.appendChild(next);
    }
    document.querySelectorAll("#task-table th").forEach(function (th) {
      th.classList.remove("sorted-asc", "sorted-desc");
      if (th.getAttribute("data-key") === state.key) th.classList.add(state.dir > 0 ? "sorted-asc" : "sorted-desc");
    });
  }

  function samplesOf(task) {
    if (!task.samples) {
      var node = document.getElementById("samples-" + task.order);
      task.samples = node ? JSON.parse(node.textContent) : [];
    }
    return task.samples;
  }

  function renderSample(sample) {
    var head = el("h4", null, ["#" + sample.i + " ", badge(sample.s || "pending"), sample.e ? " " + sample.e : ""]);
    var parts = [head];
    if (sample.d) parts.push(el("div", { cls: "detail", text: sample.d }));
    if (sample.t) {
      var t = sample.t;
      var failing = el("div", { cls: "failing" }, [el("div", null, ["failing test" + (t.line ? " (line " + t.line + ")" : "") + ": ", el("code", { text: t.src })])]);
      if (t.act !== undefined) failing.appendChild(el("div", null, ["got ", el("code", { text: t.act })]));
      if (t.exp !== undefined) failing.appendChild(el("div", null, ["expected ", el("code", { text: t.exp })]));
      parts.push(failing);
    }
    if (sample.m && (!sample.d || sample.d.indexOf(sample.m) < 0)) parts.push(el("div", { text: "message: " + sample.m }));
    var facts = [];
    if (sample.s) facts.push("cpu " + sample.cpu + " ms · wall " + sample.wall + " ms · max RSS " + sample.rss + " KiB");
    if (sample.o) facts.push("from " + sample.o);
    if (sample.tp) facts.push("tamper suspect: " + sample.tp.join(", "));
    if (facts.length) parts.push(el("div", { cls: "sub", text: facts.join(" · ") }));
    if (sample.a) {
      var rows = Object.keys(sample.a).sort().map(function (key) {
        var value = sample.a[key];
        return el("tr", null, [el("th", { text: key }), el("td", { text: typeof value === "string" ? value : JSON.stringify(value) })]);
      });
      parts.push(el("table", { cls: "kv" }, [el("tbody", null, rows)]));
    }
    (sample.r || []).forEach(function (round) {
      parts.push(el("div", null, ["repair round " + round.round + ": ", badge(round.s), " " + (round.d || "")]));
    });
    parts.push(el("div", { cls: "sub", text: sample.k === "solution" ? "solution (self-contained code)" : "completion (appended to the prompt)" }));
    parts.push(el("pre", { cls: "code", text: sample.c }));
    if (sample.x) parts.push(el("details", null, [el("summary", { text: "stderr (end)" }), el("pre", { text: sample.x })]));
    return el("div", { cls: "sample", "data-sample": String(sample.i) }, parts);
  }

  function openTask(id, updateHash) {
    var task = tasks.filter(function (t) { return t.id === id; })[0];
    var detail = document.getElementById("detail");
    if (!task) return;
    state.open = id;
    if (updateHash) history.replaceState(null, "", "#task=" + encodeURIComponent(id));
    var samples = samplesOf(task);
    detail.hidden = false;
    detail.textContent = "";
    detail.appendChild(el("h3", { text: task.id + ": " + task.c + " of " + task.n + " passed" }));
    var list = el("div", { id: "samples" });
    detail.appendChild(list);
    var shown = 0;
    var more = el("button", { text: "show more samples" });
    function showMore() {
      samples.slice(shown, shown + SAMPLE_PAGE).forEach(function (sample) { list.appendChild(renderSample(sample)); });
      shown = Math.min(samples.length, shown + SAMPLE_PAGE);
      more.hidden = shown >= samples.length;
      more.textContent = "show more samples (" + (samples.length - shown) + " left)";
    }
    more.addEventListener("click", showMore);
    detail.appendChild(more);
    showMore();
    renderTable();
  }

  document.getElementById("task-filter").addEventListener("input", function (event) { state.filter = event.target.value.trim().toLowerCase(); state.page = 0; renderTable(); });
  statusSelect.addEventListener("change", function (event) { state.status = event.target.value; state.page = 0; renderTable(); });
  document.getElementById("task-failing").addEventListener("change", function (event) { state.failing = event.target.checked; state.page = 0; renderTable(); });
  document.querySelectorAll("#task-table th").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      state.dir = state.key === key ? -state.dir : 1;
      state.key = key;
      renderTable();
    });
  });

  renderTable();
  var match = /^#task=(.+)$/.exec(location.hash);
  if (match) openTask(decodeURIComponent(match[1]), false);
  document.documentElement.setAttribute("data-rendered", "1");
  document.documentElement.setAttribute("data-render-ms", String(Math.round(performance.now())));
})();
