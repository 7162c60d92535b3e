// plivocb inspector page. No framework, no build step, nothing fetched from elsewhere.
// Callback data is hostile: it only ever reaches the DOM through textContent, never innerHTML.
"use strict";

(function () {
  const PAGE = 200;
  const $ = (id) => document.getElementById(id);
  const state = {
    token: "",
    rows: [],          // loaded rows, newest first
    total: 0,
    count: 0,
    selected: null,    // id
    detail: null,
    info: {},
    refetch: null,
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function notice(text) {
    const n = $("notice");
    n.textContent = text || "";
    n.hidden = !text;
  }

  function takeToken() {
    const params = new URLSearchParams(location.search);
    const given = params.get("token");
    if (given) {
      sessionStorage.setItem("plivocb-token", given);
      history.replaceState(null, "", location.pathname); // keep the token out of the address bar
    }
    return given || sessionStorage.getItem("plivocb-token") || "";
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    opts.headers["X-Plivocb-Token"] = state.token;
    if (opts.json !== undefined) {
      opts.method = opts.method || "POST";
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.json);
      delete opts.json;
    }
    const resp = await fetch(path, opts);
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (!resp.ok) {
      throw new Error((data && data.error) || ("HTTP " + resp.status));
    }
    return data;
  }

  // ------------------------------------------------------------------ filters

  function filters() {
    const f = { kind: $("f-kind").value, verdict: $("f-verdict").value, call: "", q: "" };
    const words = [];
    for (const word of $("f-q").value.trim().split(/\s+/)) {
      const m = /^(kind|verdict|call):(.+)$/i.exec(word);
      if (m) f[m[1].toLowerCase()] = m[2];
      else if (word) words.push(word);
    }
    f.q = words.join(" ");
    return f;
  }

  function listUrl(before) {
    const f = filters();
    const qs = new URLSearchParams({ limit: String(PAGE) });
    for (const key of ["kind", "verdict", "call", "q"]) if (f[key]) qs.set(key, f[key]);
    if (before) qs.set("before", String(before));
    return "/api/callbacks?" + qs.toString();
  }

  function matchesWithoutText(row, f) {
    return (!f.kind || row.kind === f.kind) &&
      (!f.verdict || row.verdict === f.verdict) &&
      (!f.call || row.call === f.call);
  }

  async function load(append) {
    const before = append && state.rows.length ? state.rows[state.rows.length - 1].id : null;
    try {
      const data = await api(listUrl(before));
      state.rows = append ? state.rows.concat(data.callbacks) : data.callbacks;
      state.total = data.total;
      state.count = data.count;
      render();
    } catch (e) {
      notice("Could not load callbacks: " + e.message);
    }
  }

  function scheduleLoad() {
    clearTimeout(state.refetch);
    state.refetch = setTimeout(() => load(false), 120);
  }

  // ------------------------------------------------------------------ table

  function shortTime(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    const pad = (n, w) => String(n).padStart(w || 2, "0");
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3);
  }

  function verdictCell(verdict) {
    const mark = { valid: "✓ ", "valid-v2": "✓ ", invalid: "✗ " }[verdict] || "– ";
    return el("td", {}, el("span", { class: "badge v-" + (verdict || "none"), text: mark + (verdict || "") }));
  }

  function rowNode(row) {
    const tr = el("tr", { "data-id": String(row.id), tabindex: "0", "aria-selected": String(row.id === state.selected) });
    tr.append(
      el("td", { title: row.time, text: shortTime(row.time) }),
      el("td", { text: row.kind }),
      el("td", { text: (row.from || row.to) ? (row.from || "?") + " → " + (row.to || "?") : "" }),
      el("td", { class: "summary", text: row.summary || row.path }),
      verdictCell(row.verdict),
      el("td", { class: row.status >= 400 || row.status === 0 ? "bad" : "", text: row.status === null ? "" : String(row.status) }),
      el("td", { class: "num", text: row.ms === null ? "" : row.ms.toFixed(1) }),
    );
    return tr;
  }

  function render() {
    const tbody = $("rows");
    const table = $("callbacks");
    for (const extra of Array.from(table.tBodies).slice(1)) extra.remove();
    tbody.replaceChildren();
    if ($("f-group").checked) {
      renderGroups(table, tbody);
    } else {
      const frag = document.createDocumentFragment();
      for (const row of state.rows) frag.append(rowNode(row));
      tbody.append(frag);
    }
    $("counts").textContent = "Showing " + state.rows.length + " of " + state.total +
      (state.total !== state.count ? " matching (" + state.count + " in all)" : "") + " callbacks";
    $("empty").hidden = state.rows.length > 0;
    $("more").hidden = state.rows.length >= state.total;
    performance.mark("plivocb:render"); // bench/inspector.py times first paint and filters by it
  }

  function renderGroups(table, first) {
    const groups = new Map();
    for (const row of state.rows) {
      const key = row.call || "file:" + row.file;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(row);
    }
    let body = first;
    let used = false;
    for (const [key, rows] of groups) {
      if (used) { body = el("tbody"); table.append(body); }
      used = true;
      const label = rows[0].call ? "Call/Message " + rows[0].call : "No UUID: " + rows[0].file;
      body.append(el("tr", { class: "group" }, el("th", { colspan: "7", scope: "rowgroup", text: label + " · " + rows.length + " callback" + (rows.length === 1 ? "" : "s") })));
      for (const row of rows.slice().reverse()) body.append(rowNode(row)); // a timeline: oldest first
      void key;
    }
  }

  function onTableClick(event) {
    const tr = event.target.closest("tr[data-id]");
    if (tr) select(Number(tr.dataset.id));
  }

  // ------------------------------------------------------------------ details

  function kvRows(tableId, pairs) {
    const tbody = $(tableId).tBodies[0];
    tbody.replaceChildren(...pairs.map(([k, v]) => el("tr", {}, el("th", { scope: "row", text: k }), el("td", { text: v }))));
  }

  function fmtMs(ms) {
    return ms === null || ms === undefined ? "" : ms.toFixed(1) + " ms";
  }

  async function select(id) {
    state.selected = id;
    for (const tr of document.querySelectorAll("#callbacks tr[data-id]")) {
      tr.setAttribute("aria-selected", String(Number(tr.dataset.id) === id));
    }
    let d;
    try {
      d = await api("/api/callbacks/" + id);
    } catch (e) {
      notice("Could not open callback " + id + ": " + e.message);
      return;
    }
    if (state.selected !== id) return;
    state.detail = d;
    $("details").hidden = false;
    $("edit").hidden = true;
    $("curl").hidden = true;
    $("replay").hidden = true;
    $("d-title").textContent = d.kind + " · " + d.time + (d.redacted ? " · redacted" : "");
    $("d-line").textContent = d.request_line;
    $("d-url").textContent = d.public_url;
    kvRows("d-params", d.params);
    kvRows("d-headers", d.headers);
    $("d-body").textContent = d.body_encoding === "base64" ? "(binary, base64) " + d.body : d.body;
    $("d-file").textContent = d.file;
    $("b-download").href = "/api/callbacks/" + id + "/fixture?token=" + encodeURIComponent(state.token);
    $("b-download").setAttribute("download", d.file.split("/").pop());
    renderSignature(d.signature);
    renderResponse(d.response);
    renderTimeline(d.timeline, id);
  }

  function line(label, value, cls) {
    return el("p", {}, el("span", { class: "label", text: label + " " }), el("code", { class: cls || "", text: value }));
  }

  function renderSignature(s) {
    const box = $("d-sig");
    box.replaceChildren(
      el("p", {}, el("span", { class: "badge v-" + s.verdict, text: s.verdict }), " ", s.family ? "(" + s.family + ") " : "", s.detail || ""),
    );
    box.append(line("URL checked", s.checked_url));
    box.append(line("scheme / host / port / path", s.scheme + " / " + s.host + " / " + s.port + " / " + s.path));
    if (s.query) box.append(line("query", s.query));
    if (s.v3_string) box.append(line("V3 string hashed (canonical.nonce)", s.v3_string, "wrap"));
    if (s.v2_string) box.append(line("V2 string hashed (URL + nonce)", s.v2_string, "wrap"));
    if (s.hints.length) box.append(el("ul", { class: "hints" }, ...s.hints.map((h) => el("li", { text: h }))));
  }

  function renderResponse(r) {
    const box = $("d-resp");
    if (!r) { box.replaceChildren(el("p", { class: "muted", text: "No response recorded." })); return; }
    const parts = [el("p", {}, el("strong", { text: String(r.status) }), " ", r.content_type || "", " · ", fmtMs(r.elapsed_ms))];
    if (r.budget_ms) {
      const pct = Math.min(100, (100 * r.elapsed_ms) / r.budget_ms);
      const meter = el("meter", { min: "0", max: String(r.budget_ms), value: String(Math.min(r.elapsed_ms, r.budget_ms)), "aria-label": "latency against Plivo's read timeout" });
      parts.push(el("p", { class: "muted" }, meter, " " + pct.toFixed(2) + "% of Plivo's " + (r.budget_ms / 1000) + " s read timeout (rt default)"));
    }
    if (r.origin && r.origin !== "app") parts.push(el("p", { class: "muted", text: "Answered by " + (r.origin === "fallback" ? "plivocb's fallback: your app was unreachable or too slow" : "plivocb itself (not forwarding), not your app") }));
    if (r.forwarded_to) parts.push(line("forwarded to", r.forwarded_to));
    if (r.error) parts.push(line("error", r.error, "bad"));
    parts.push(el("pre", { text: r.pretty }));
    box.replaceChildren(...parts);
  }

  function renderTimeline(rows, current) {
    const list = $("d-timeline");
    if (!rows.length) { list.replaceChildren(el("li", { class: "muted", text: "No Call/Message UUID: a callback on its own." })); return; }
    const start = new Date(rows[0].time).getTime();
    list.replaceChildren(...rows.map((row) => {
      const offset = "+" + ((new Date(row.time).getTime() - start) / 1000).toFixed(3) + " s";
      const link = el("a", { href: "#", "data-id": String(row.id), text: offset + "  " + row.kind + "  " + (row.summary || "") + "  → " + (row.status === null ? "" : row.status) });
      if (row.id === current) link.setAttribute("aria-current", "true");
      return el("li", {}, link);
    }));
  }

  // ------------------------------------------------------------------ actions

  function actionBody(edits) {
    const body = {};
    const to = $("d-to").value.trim();
    if (to) body.to = to;
    if (edits && Object.keys(edits).length) body.set = edits;
    return body;
  }

  async function doReplay(edits) {
    const id = state.selected;
    const box = $("replay");
    box.hidden = false;
    $("r-summary").textContent = "Replaying…";
    $("r-old").textContent = $("r-new").textContent = $("r-diff").textContent = "";
    let r;
    try {
      r = await api("/api/callbacks/" + id + "/replay", { json: actionBody(edits) });
    } catch (e) {
      $("r-summary").textContent = "Replay failed: " + e.message;
      return;
    }
    const changed = Object.keys(r.set || {});
    $("r-summary").textContent = r.method + " " + r.url + " · " + (r.signed ? "re-signed (fresh nonces)" : "NOT signed: no auth token") +
      (changed.length ? " · edited: " + changed.join(", ") : "") + " → " + (r.status === null ? "no response" : r.status) +
      " in " + fmtMs(r.elapsed_ms) + (r.problems.length ? " · " + r.problems.join("; ") : "");
    $("r-summary").className = r.problems.length ? "bad" : "good";
    $("r-old").textContent = r.recorded ? r.recorded.status + (r.recorded.origin !== "app" ? " (answered by plivocb, not your app)" : "") + "\n" + r.recorded.pretty : "(no recorded response)";
    $("r-new").textContent = r.status === null ? "" : r.status + "\n" + r.pretty;
    const diff = $("r-diff");
    diff.replaceChildren();
    if (!r.differences.length) diff.textContent = r.recorded ? "Same as the recording." : "";
    for (const text of r.differences) {
      for (const l of text.split("\n")) {
        const cls = l.startsWith("+") && !l.startsWith("+++") ? "add" : l.startsWith("-") && !l.startsWith("---") ? "del" : "";
        diff.append(el("span", { class: cls, text: l + "\n" }));
      }
    }
  }

  function openEdit() {
    const d = state.detail;
    if (!d) return;
    const fields = $("edit-fields");
    fields.replaceChildren(...d.params.map(([k, v]) => el("label", {}, el("span", { text: k }), el("input", { name: k, value: v, "data-original": v }))));
    $("edit").hidden = false;
    const firstInput = fields.querySelector("input");
    if (firstInput) firstInput.focus();
  }

  function editedValues() {
    const edits = {};
    for (const input of $("edit-fields").querySelectorAll("input")) {
      if (input.value !== input.dataset.original) edits[input.name] = input.value;
    }
    return edits;
  }

  async function copyCurl() {
    const box = $("curl");
    box.hidden = false;
    $("curl-note").textContent = "";
    try {
      const r = await api("/api/callbacks/" + state.selected + "/curl", { json: actionBody(null) });
      $("curl-text").value = r.command;
      const signing = r.signed ? "Each copy carries fresh nonces." : "NOT signed: no auth token (set PLIVO_AUTH_TOKEN).";
      try {
        await navigator.clipboard.writeText(r.command);
        $("curl-note").textContent = "Copied to the clipboard. " + signing;
      } catch (e) {
        $("curl-note").textContent = "Select and copy the command above. " + signing;
      }
    } catch (e) {
      $("curl-text").value = "";
      $("curl-note").textContent = "Could not build the command: " + e.message;
    }
  }

  // ------------------------------------------------------------------ live

  function connect() {
    const source = new EventSource("/api/events?token=" + encodeURIComponent(state.token));
    let wasDown = false;
    source.addEventListener("open", () => {
      $("live").textContent = state.info.live ? "● live" : "● connected";
      $("live").className = "live on";
      if (wasDown) load(false);
      wasDown = false;
    });
    source.addEventListener("error", () => {
      $("live").textContent = "○ reconnecting…";
      $("live").className = "live off";
      wasDown = true;
    });
    source.addEventListener("callback", (event) => {
      const row = JSON.parse(event.data);
      state.count += 1;
      const f = filters();
      if (f.q) { scheduleLoad(); return; } // free text also searches params: ask the server
      if (!matchesWithoutText(row, f)) { render(); return; }
      state.rows.unshift(row);
      state.total += 1;
      if ($("f-group").checked) { render(); return; }
      const tr = rowNode(row);
      tr.classList.add("fresh");
      $("rows").prepend(tr);
      $("counts").textContent = "Showing " + state.rows.length + " of " + state.total + " callbacks";
      $("empty").hidden = true;
    });
  }

  async function main() {
    state.token = takeToken();
    if (!state.token) {
      notice("This page needs the token in the URL that plivocb printed (…/?token=…). Open that URL.");
      $("live").textContent = "no token";
      return;
    }
    try {
      state.info = await api("/api/info");
    } catch (e) {
      notice("The inspector refused this page: " + e.message);
      $("live").textContent = "refused";
      return;
    }
    $("d-to").placeholder = state.info.replay_to || "type a URL, e.g. http://127.0.0.1:5000";
    for (const [id, values] of [["f-kind", state.info.kinds], ["f-verdict", state.info.verdicts]]) {
      $(id).append(...values.map((v) => el("option", { value: v, text: v })));
    }
    $("filters").addEventListener("submit", (e) => { e.preventDefault(); load(false); });
    $("f-q").addEventListener("input", scheduleLoad);
    $("f-kind").addEventListener("change", () => load(false));
    $("f-verdict").addEventListener("change", () => load(false));
    $("f-group").addEventListener("change", render);
    $("callbacks").addEventListener("click", onTableClick);
    $("callbacks").addEventListener("keydown", (e) => { if (e.key === "Enter") onTableClick(e); });
    $("more").addEventListener("click", () => load(true));
    $("b-replay").addEventListener("click", () => doReplay(null));
    $("b-edit").addEventListener("click", openEdit);
    $("b-cancel-edit").addEventListener("click", () => { $("edit").hidden = true; });
    $("edit").addEventListener("submit", (e) => { e.preventDefault(); doReplay(editedValues()); });
    $("b-curl").addEventListener("click", copyCurl);
    $("d-timeline").addEventListener("click", (e) => {
      const a = e.target.closest("a[data-id]");
      if (a) { e.preventDefault(); select(Number(a.dataset.id)); }
    });
    await load(false);
    connect();
  }

  document.addEventListener("DOMContentLoaded", main);
})();
