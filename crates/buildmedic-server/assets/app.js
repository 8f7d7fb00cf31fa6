// buildmedic web page: hash routes over the JSON API. Every value from the server or the
// log is put into the page as text (textContent), never as markup.
"use strict";

const $ = (sel) => document.querySelector(sel);
const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

// Distinct colours, given to kinds in the order they are first drawn (stable per page load).
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
  "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b"];
const kindColors = new Map();
function color(kind) {
  if (!kindColors.has(kind)) kindColors.set(kind, PALETTE[kindColors.size % PALETTE.length]);
  return kindColors.get(kind);
}

function showError(message) {
  const p = $("#error");
  p.textContent = message;
  p.hidden = !message;
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  const token = localStorage.getItem("buildmedic-token");
  if (token) headers["Authorization"] = "Bearer " + token;
  const resp = await fetch(path, Object.assign({}, options, { headers }));
  if (!resp.ok) {
    let message = `${resp.status} ${resp.statusText}`;
    try {
      const body = await resp.json();
      if (body.error) message = `${body.error.message} (${body.error.code})`;
    } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return resp;
}

// ---- diagnosis view -------------------------------------------------------------------

function kindBadge(kind, ok) {
  return el("span", { class: ok ? "kind ok" : "kind", "data-kind": kind }, kind);
}

function renderContext(d, logText, firstLine) {
  const primary = d.findings.find((f) => f.primary) || d.findings[0];
  const evidence = new Set(primary ? primary.lines : []);
  const step = d.failing_step ? d.failing_step.lines : null;
  const box = el("div", { class: "context", id: "context" });
  if (logText === null) {
    if (primary) {
      primary.lines.forEach((no, i) =>
        box.append(el("div", { class: "line evidence" }, el("span", { class: "no" }, no), primary.evidence[i])));
    }
    return box;
  }
  const lines = logText.split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  const lastLine = firstLine + lines.length - 1;
  const wanted = new Set();
  const around = (no, before, after) => {
    for (let n = no - before; n <= no + after; n++) if (n >= firstLine && n <= lastLine) wanted.add(n);
  };
  for (const no of evidence) around(no, 4, 3);
  if (step) { around(step[0], 0, 1); around(step[1], 1, 0); }
  if (wanted.size === 0) around(lastLine, 12, 0);
  let previous = null;
  for (const no of [...wanted].sort((a, b) => a - b)) {
    if (previous !== null && no !== previous + 1) box.append(el("div", { class: "gap" }, "⋯"));
    const cls = ["line"];
    if (step && no >= step[0] && no <= step[1]) cls.push("in-step");
    if (evidence.has(no)) cls.push("evidence");
    box.append(el("div", { class: cls.join(" "), "data-line": no },
      el("span", { class: "no" }, no), lines[no - firstLine]));
    previous = no;
  }
  return box;
}

function renderDiagnosis(d, logText, firstLine) {
  const primary = d.findings.find((f) => f.primary);
  const card = el("div", { class: "card", id: "diagnosis" });
  if (!primary) {
    card.append(el("div", {}, kindBadge("succeeded", true)),
      el("p", { class: "title" }, "The log shows a build that succeeded."));
  } else {
    card.append(
      el("div", {}, kindBadge(primary.kind, false), " ",
        el("a", { href: "#/kinds/" + encodeURIComponent(primary.kind) }, "about this kind")),
      el("p", { class: "title", id: "result-title" }, primary.title),
      el("p", { class: "meta" }, `confidence ${primary.confidence.toFixed(2)} · ${d.format} log · ${d.stats.lines} lines` +
        (d.id ? ` · ${d.received_at} · id ${d.id}` : "")),
    );
    if (d.failing_step) {
      const s = d.failing_step;
      card.append(el("h2", {}, "Failing step"),
        el("div", { class: "step", id: "failing-step" },
          [s.label, s.instruction, s.command].filter(Boolean).join(" ") +
          (s.exit_code !== null && s.exit_code !== undefined ? `  (exit code ${s.exit_code}${s.exit_meaning ? ": " + s.exit_meaning : ""})` : "")));
    }
    card.append(el("h2", {}, "Evidence"), renderContext(d, logText, firstLine));
    const entities = Object.entries(primary.entities);
    if (entities.length) {
      card.append(el("p", { class: "meta" }, entities.map(([k, v]) => `${k}: ${v.join(", ")}`).join(" · ")));
    }
    if (primary.steps.length) card.append(el("h2", {}, "What to do"), el("ol", { id: "advice" }, primary.steps.map((s) => el("li", {}, s))));
    if (primary.causes.length) card.append(el("h2", {}, "Likely causes"), el("ul", {}, primary.causes.map((s) => el("li", {}, s))));
    const others = d.findings.filter((f) => !f.primary);
    if (others.length) card.append(el("h2", {}, "Also found"), el("ul", {}, others.map((f) => el("li", {}, kindBadge(f.kind), " ", f.title))));
    if (d.suppressed.length) card.append(el("p", { class: "meta" }, "Explained away: " + d.suppressed.map((s) => `${s.kind} (${s.reason})`).join("; ")));
  }
  return card;
}

async function storedLog(id) {
  try {
    const resp = await api(`/api/v1/diagnoses/${encodeURIComponent(id)}/log`);
    return { text: await resp.text(), first: Number(resp.headers.get("x-log-first-line") || "1") };
  } catch (_) {
    return { text: null, first: 1 };
  }
}

async function submitLog(body) {
  showError("");
  $("#busy").hidden = false;
  $("#result").replaceChildren();
  try {
    const source = $("#source").value.trim();
    const url = "/api/v1/diagnoses" + (source ? "?source=" + encodeURIComponent(source) : "");
    const d = await (await api(url, { method: "POST", body })).json();
    // The context shown is the stored, redacted log, not the pasted text.
    const log = await storedLog(d.id);
    $("#result").replaceChildren(renderDiagnosis(d, log.text, log.first));
  } catch (e) {
    showError("Diagnosis failed: " + e.message);
  } finally {
    $("#busy").hidden = true;
  }
}

function setupDiagnose() {
  $("#submit").addEventListener("click", () => {
    const text = $("#log").value;
    if (!text.trim()) { showError("Paste a log first."); return; }
    submitLog(new Blob([text], { type: "text/plain" }));
  });
  const area = $("#log");
  area.addEventListener("dragover", (e) => { e.preventDefault(); area.classList.add("drag"); });
  area.addEventListener("dragleave", () => area.classList.remove("drag"));
  area.addEventListener("drop", (e) => {
    e.preventDefault();
    area.classList.remove("drag");
    const file = e.dataTransfer.files[0];
    if (!file) return;
    if (!$("#source").value) $("#source").value = file.name;
    area.value = `(${file.name}, ${file.size} bytes: sent as dropped)`;
    submitLog(file);
  });
}

// ---- history ----------------------------------------------------------------------------

let historyCursor = null;

function historyQuery() {
  const q = new URLSearchParams();
  const kind = $("#filter-kind").value, status = $("#filter-status").value;
  const since = $("#filter-since").value, until = $("#filter-until").value;
  if (kind) q.set("kind", kind);
  if (status) q.set("status", status);
  if (since) q.set("since", since);
  if (until) q.set("until", until);
  q.set("limit", "50");
  return q;
}

async function loadHistory(more) {
  showError("");
  const q = historyQuery();
  if (more && historyCursor) q.set("cursor", historyCursor);
  const tbody = $("#history-table tbody");
  try {
    const page = await (await api("/api/v1/diagnoses?" + q)).json();
    if (!more) tbody.replaceChildren();
    for (const item of page.items) {
      tbody.append(el("tr", { "data-id": item.id },
        el("td", { class: "mono" }, el("a", { href: "#/diagnoses/" + item.id }, item.received_at.replace("T", " ").replace("Z", ""))),
        el("td", {}, item.kind ? el("a", { href: "#/kinds/" + encodeURIComponent(item.kind) }, kindBadge(item.kind)) : kindBadge("succeeded", true)),
        el("td", {}, item.title || ""),
        el("td", { class: "mono" }, item.source)));
    }
    if (!more && page.items.length === 0) tbody.append(el("tr", {}, el("td", { colspan: "4" }, "No diagnoses match.")));
    historyCursor = page.next_cursor;
    $("#history-more").hidden = !historyCursor;
  } catch (e) {
    showError("History: " + e.message);
  }
}

// ---- stats ------------------------------------------------------------------------------

function drawChart(stats) {
  const series = stats.series;
  const kinds = [...new Set(series.flatMap((b) => Object.keys(b.counts)))].sort();
  const step = Math.max(1, Math.ceil(Math.max(1, ...series.map((b) => b.failed)) / 4));
  const max = step * 4;
  const W = 900, H = 260, L = 40, B = 30, T = 10;
  const bw = (W - L - 10) / Math.max(1, series.length);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "failures per kind over time", id: "chart-svg" });
  for (let i = 0; i <= 4; i++) {
    const y = T + (H - T - B) * (1 - i / 4);
    chart.append(svg("line", { x1: L, x2: W - 10, y1: y, y2: y, stroke: "#e3e6eb" }),
      svg("text", { x: L - 6, y: y + 4, "text-anchor": "end", "font-size": 11, fill: "#5d6675" }, step * i));
  }
  series.forEach((b, i) => {
    let y = H - B;
    for (const kind of kinds) {
      const n = b.counts[kind] || 0;
      if (!n) continue;
      const h = (H - T - B) * n / max;
      y -= h;
      const rect = svg("rect", { x: L + i * bw + 1, y, width: Math.max(1, bw - 2), height: h, fill: color(kind), "data-kind": kind });
      rect.append(svg("title", {}, `${b.start.slice(0, 10)} ${kind}: ${n}`));
      chart.append(rect);
    }
    if (series.length <= 16 || i % Math.ceil(series.length / 12) === 0) {
      chart.append(svg("text", { x: L + i * bw + bw / 2, y: H - 10, "text-anchor": "middle", "font-size": 10, fill: "#5d6675" }, b.start.slice(5, 10)));
    }
  });
  const legend = el("div", { class: "legend" }, kinds.map((k) => {
    const sw = svg("svg", { width: 12, height: 12 });
    sw.append(svg("rect", { width: 12, height: 12, rx: 2, fill: color(k) }));
    return el("span", {}, sw, " ", k);
  }));
  $("#chart").replaceChildren(chart, legend);
}

function drawTop(stats) {
  const box = $("#top-kinds");
  box.replaceChildren();
  const max = Math.max(1, ...stats.top_kinds.map((k) => k.count));
  for (const k of stats.top_kinds) {
    const bar = svg("svg", { viewBox: "0 0 100 10", preserveAspectRatio: "none", width: "100%", height: "14" });
    bar.append(svg("rect", { width: 100 * k.count / max, height: 10, fill: color(k.kind) }));
    box.append(el("div", { class: "bar-row", "data-kind": k.kind },
      el("a", { class: "label", href: "#/kinds/" + encodeURIComponent(k.kind), title: k.title || "" }, k.kind), bar, el("span", {}, k.count)));
  }
  if (!stats.top_kinds.length) box.append(el("p", { class: "meta" }, "No failures in this range."));
  const tbody = $("#top-entities tbody");
  tbody.replaceChildren(...stats.top_entities.map((e) =>
    el("tr", {}, el("td", {}, e.name),
      el("td", { class: "mono", title: e.value }, e.value.length > 90 ? e.value.slice(0, 90) + "…" : e.value), el("td", {}, e.count))));
}

async function loadStats() {
  showError("");
  const q = new URLSearchParams({ bucket: $("#stats-bucket").value });
  if ($("#stats-since").value) q.set("since", $("#stats-since").value);
  try {
    const stats = await (await api("/api/v1/stats?" + q)).json();
    $("#stats-summary").textContent = `${stats.failed} failed and ${stats.succeeded} succeeded builds from ${stats.since.slice(0, 10)} to ${stats.until.slice(0, 10)}`;
    drawChart(stats);
    drawTop(stats);
  } catch (e) {
    showError("Stats: " + e.message);
  }
}

// ---- kinds ------------------------------------------------------------------------------

let kindsCache = null;

async function kinds() {
  if (!kindsCache) kindsCache = (await (await api("/api/v1/kinds")).json()).kinds;
  return kindsCache;
}

async function loadKinds() {
  const tbody = $("#kinds-table tbody");
  tbody.replaceChildren(...(await kinds()).map((k) =>
    el("tr", {}, el("td", {}, el("a", { href: "#/kinds/" + encodeURIComponent(k.kind) }, kindBadge(k.kind))), el("td", {}, k.title),
      el("td", { class: "meta" }, `${k.signatures} signatures`))));
}

async function loadKind(kind) {
  const view = $("#view-kind");
  view.replaceChildren();
  try {
    const k = await (await api("/api/v1/kinds/" + encodeURIComponent(kind))).json();
    const list = (title, items, ordered) => items.length ? [el("h2", {}, title), el(ordered ? "ol" : "ul", {}, items.map((i) => el("li", {}, i)))] : [];
    view.append(el("h1", {}, kindBadge(k.kind), " ", k.title), el("p", {}, k.summary),
      ...list("Likely causes", k.causes), ...list("What to do", k.fix, true), ...list("Affected", k.affected),
      ...list("References", k.references.map((r) => el("a", { href: r, rel: "noreferrer" }, r))),
      el("h2", {}, "Recent builds with this kind"),
      el("table", { id: "kind-history" }, el("tbody")));
    const page = await (await api("/api/v1/diagnoses?limit=20&kind=" + encodeURIComponent(kind))).json();
    $("#kind-history tbody").replaceChildren(...page.items.map((item) =>
      el("tr", {}, el("td", { class: "mono" }, el("a", { href: "#/diagnoses/" + item.id }, item.received_at)), el("td", { class: "mono" }, item.source))));
  } catch (e) {
    showError("Kind: " + e.message);
  }
}

async function loadRecord(id) {
  const view = $("#view-record");
  view.replaceChildren();
  try {
    const d = await (await api("/api/v1/diagnoses/" + encodeURIComponent(id))).json();
    const log = await storedLog(id);
    view.append(el("h1", {}, "Diagnosis of " + d.source), renderDiagnosis(d, log.text, log.first));
  } catch (e) {
    showError("Diagnosis: " + e.message);
  }
}

// ---- routing ----------------------------------------------------------------------------

async function route() {
  showError("");
  const hash = location.hash.replace(/^#/, "") || "/";
  const parts = hash.split("/").filter(Boolean).map(decodeURIComponent);
  const views = { "": "diagnose", history: "history", stats: "stats", kinds: "kinds", diagnoses: "record" };
  let view = views[parts[0] || ""] || "diagnose";
  if (parts[0] === "kinds" && parts[1]) view = "kind";
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== "view-" + view;
  for (const a of document.querySelectorAll("header nav a")) a.classList.toggle("active", a.getAttribute("href") === "#/" + (parts[0] || ""));
  if (view === "history") {
    const select = $("#filter-kind");
    if (select.options.length === 1) {
      try { for (const k of await kinds()) select.append(el("option", { value: k.kind }, k.kind)); } catch (_) { /* offline */ }
    }
    await loadHistory(false);
  } else if (view === "stats") await loadStats();
  else if (view === "kinds") await loadKinds();
  else if (view === "kind") await loadKind(parts[1]);
  else if (view === "record") await loadRecord(parts[1]);
}

document.addEventListener("DOMContentLoaded", () => {
  const token = $("#token");
  token.value = localStorage.getItem("buildmedic-token") || "";
  token.addEventListener("change", () => {
    if (token.value) localStorage.setItem("buildmedic-token", token.value);
    else localStorage.removeItem("buildmedic-token");
  });
  setupDiagnose();
  $("#history-filters").addEventListener("submit", (e) => { e.preventDefault(); loadHistory(false); });
  $("#history-more").addEventListener("click", () => loadHistory(true));
  $("#stats-bucket").addEventListener("change", loadStats);
  $("#stats-since").addEventListener("change", loadStats);
  window.addEventListener("hashchange", route);
  route();
});
