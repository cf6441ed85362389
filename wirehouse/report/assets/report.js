// The report's page logic: unpack the evidence, fill the events table (DataTables), show an
// event's mentions with their spans, and keep the analyst's review marks (localStorage).
// Charts are Plotly figures built in Python; nothing here draws a chart.
"use strict";

const VERDICTS = [
  ["right", "Right"], ["wrong_type", "Wrong type"], ["wrong_source", "Wrong source"],
  ["wrong_target", "Wrong target"], ["not_event", "Not an event"],
];
const VERDICT_NAMES = Object.fromEntries(VERDICTS);
const QUADS = {1: "Verbal cooperation", 2: "Material cooperation", 3: "Verbal conflict",
               4: "Material conflict"};
const META = JSON.parse(document.getElementById("report-meta").textContent);
const STORE = "wirehouse-reviews:" + META.warehouse_id;
const WHO = "wirehouse-reviewer";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function gunzip(id) {
  const text = document.getElementById(id).textContent.trim();
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
}

async function unpack(id) { return new Response(await gunzip(id)).json(); }

async function blobUrl(id) {
  const src = await new Response(await gunzip(id)).blob();
  return URL.createObjectURL(new Blob([src], {type: "text/javascript"}));
}

async function loadPlotly() {
  const url = await blobUrl("plotly-src");
  await new Promise((resolve, reject) => {
    const s = el("script", {src: url});
    s.onload = resolve;
    s.onerror = reject;
    document.head.append(s);
  });
  URL.revokeObjectURL(url);
  performance.mark("wirehouse:plotly-loaded");
  return window.Plotly;
}

async function loadDataTables() {
  const url = await blobUrl("datatables-src");
  try { return (await import(url)).default; } finally { URL.revokeObjectURL(url); }
}

let outline = null;
function worldOutline() {
  outline = outline || JSON.parse(document.getElementById("world-outline").textContent);
  return outline;
}

// Charts are drawn one per task, those on screen first, so the page answers input while the
// rest are drawn.
async function drawCharts(Plotly) {
  const pending = [...document.querySelectorAll("div.plot[data-figure]")];
  const visible = new Set();
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) if (e.isIntersecting) visible.add(e.target);
  });
  pending.forEach((div) => seen.observe(div));
  await new Promise((r) => setTimeout(r, 0));
  while (pending.length) {
    let i = pending.findIndex((div) => visible.has(div));
    if (i < 0) i = 0;
    const div = pending.splice(i, 1)[0];
    seen.unobserve(div);
    const fig = JSON.parse(document.getElementById(div.dataset.figure).textContent);
    fig.layout.template = META.plotly_template;
    for (const trace of fig.data) {
      if (trace.geojson === "world-outline") trace.geojson = worldOutline();
    }
    await Plotly.newPlot(div, fig.data, fig.layout, META.plotly_config);
    div.setAttribute("data-drawn", "true");
    performance.mark("wirehouse:drawn:" + div.id);
    await new Promise((r) => setTimeout(r, 0));
  }
  seen.disconnect();
  performance.mark("wirehouse:charts-drawn");
  document.body.setAttribute("data-charts-drawn", "true");
}

// ---------------------------------------------------------------- review marks

function reviews() { return JSON.parse(localStorage.getItem(STORE) || "{}"); }
function saveReviews(all) { localStorage.setItem(STORE, JSON.stringify(all)); }
function reviewer() { return (localStorage.getItem(WHO) || "").trim(); }

function mark(data, m, verdict) {
  const all = reviews();
  const mt = data.mentions;
  all[mt.id[m]] = {
    event_mention_id: mt.id[m], event_id: data.events.event_id[mt.event[m]],
    verdict: verdict, reviewer: reviewer() || "anonymous",
    reviewed_at: new Date().toISOString(), extractor_version: mt.extractor[m],
    event_code: mt.code[m],
  };
  saveReviews(all);
  refreshReviewSummary(data);
}

function exportReviews() {
  const all = Object.values(reviews());
  const body = JSON.stringify({format: "wirehouse-reviews", version: 1,
                               warehouse_id: META.warehouse_id, exported_at: new Date().toISOString(),
                               reviews: all}, null, 1);
  const a = el("a", {href: URL.createObjectURL(new Blob([body], {type: "application/json"})),
                     download: "wirehouse-reviews-" + new Date().toISOString().slice(0, 10) + ".json"});
  document.body.append(a);
  a.click();
  a.remove();
  return all.length;
}

function refreshReviewSummary(data) {
  const all = reviews();
  const n = Object.keys(all).length;
  const right = Object.values(all).filter((r) => r.verdict === "right").length;
  document.getElementById("review-count").textContent =
    n ? `${n} mention(s) marked in this browser, ${right} right` : "no mention marked yet";
  const sample = META.sample || [];
  if (sample.length) {
    const done = sample.filter((id) => all[id]).length;
    document.getElementById("sample-progress").textContent =
      `review sample (seed ${META.sample_seed}): ${done} of ${sample.length} marked`;
  }
}

// ---------------------------------------------------------------- evidence

function highlighted(sentence, offset, spans) {
  // Cut the sentence at every span edge; each piece carries the classes of the spans over it.
  const cuts = new Set([0, sentence.length]);
  for (const s of Object.values(spans)) {
    if (!s) continue;
    cuts.add(Math.max(0, s[0] - offset));
    cuts.add(Math.min(sentence.length, s[1] - offset));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out = el("p", {class: "sentence"});
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const kinds = Object.entries(spans)
      .filter(([, s]) => s && s[0] - offset <= a && b <= s[1] - offset).map(([k]) => k);
    const text = sentence.slice(a, b);
    if (!kinds.length) { out.append(text); continue; }
    out.append(el("mark", {class: kinds.join(" "), "data-start": offset + a,
                           "data-end": offset + b, title: kinds.join(", "), text}));
  }
  return out;
}

function safeUrl(url) {
  return /^https?:\/\//i.test(url || "") ? url : null;
}

function showEvidence(data, e) {
  const ev = data.events;
  const box = document.getElementById("evidence");
  box.replaceChildren();
  const code = ev.event_code[e];
  box.append(el("h3", {text:
    `${ev.source_name[e] || "?"} → ${META.code_names[code] || code} → ${ev.target_name[e] || "?"}`}));
  box.append(el("p", {class: "event-facts", text:
    `${ev.day[e] || "undated"} · CAMEO ${code} · ${ev.plover_type[e] || "no PLOVER type"} · ` +
    `${QUADS[ev.quad_class[e]]} · Goldstein ${ev.goldstein[e]} · ` +
    `${ev.num_mentions[e]} mention(s)`}));
  const mt = data.mentions;
  const marks = reviews();
  for (const m of data.mentionsOf[e]) {
    const d = mt.doc[m];
    const item = el("article", {class: "mention", "data-mention-id": mt.id[m]});
    item.append(highlighted(data.sentences[mt.sentence[m]], mt.offset[m],
                            {source: mt.source[m], target: mt.target[m], trigger: mt.trigger[m]}));
    const url = safeUrl(data.documents.url[d]);
    const title = data.documents.title[d] || data.documents.url[d] || "untitled";
    item.append(el("p", {class: "mention-facts"},
      `date: ${mt.date_text[m] || "none"} · confidence ${mt.confidence[m]} · `,
      url ? el("a", {href: url, target: "_blank", rel: "noopener noreferrer", text: title})
          : el("span", {text: title}),
      ` · ${data.documents.source[d] || ""} ${data.documents.published[d] || ""}` +
      ` · ${data.documents.url[d] || ""}`));
    const buttons = el("div", {class: "verdicts"});
    if (mt.stored_verdict[m]) {
      buttons.append(el("span", {class: "stored", text:
        `in the warehouse: ${VERDICT_NAMES[mt.stored_verdict[m]] || mt.stored_verdict[m]} · `}));
    }
    for (const [value, label] of VERDICTS) {
      const b = el("button", {type: "button", "data-verdict": value, text: label,
                              class: marks[mt.id[m]]?.verdict === value ? "chosen" : ""});
      b.addEventListener("click", () => {
        mark(data, m, value);
        buttons.querySelectorAll("button").forEach((x) => x.classList.remove("chosen"));
        b.classList.add("chosen");
      });
      buttons.append(b);
    }
    item.append(buttons);
    box.append(item);
  }
  box.scrollIntoView({block: "nearest"});
}

// ---------------------------------------------------------------- table

async function main() {
  // The page opens on the charts: plotly.js first, the events table (below) after it.
  const plotly = loadPlotly();
  const charts = plotly.then(drawCharts);
  await plotly;
  const data = await unpack("evidence-data");
  const n = data.events.event_id.length;
  data.mentionsOf = Array.from({length: n}, () => []);
  data.mentions.event.forEach((e, m) => data.mentionsOf[e].push(m));
  const byMention = new Map(data.mentions.id.map((id, m) => [id, m]));
  const ev = data.events;
  const rows = Array.from({length: n}, (_, e) => [
    e, ev.event_id[e], ev.day[e] || "", `${ev.source_name[e] || ""} ${ev.source_country[e] ? "(" + ev.source_country[e] + ")" : ""}`,
    META.code_names[ev.event_code[e]] || ev.event_code[e],
    `${ev.target_name[e] || ""} ${ev.target_country[e] ? "(" + ev.target_country[e] + ")" : ""}`,
    ev.plover_type[e] || "", QUADS[ev.quad_class[e]], ev.goldstein[e], ev.place_text[e] || "",
    ev.num_mentions[e], ev.avg_confidence[e], ev.review_status[e] || "",
  ]);
  const DataTable = await loadDataTables();
  const table = new DataTable("#events-table", {
    data: rows, deferRender: true, pageLength: 25, order: [[2, "desc"]],
    // Cells hold article text (actor names, places): rendered as text, never as HTML.
    columns: [{title: "#", visible: false, searchable: false},
              {title: "event id", visible: false}, {title: "date"}, {title: "source"},
              {title: "event"}, {title: "target"}, {title: "PLOVER"}, {title: "quad class"},
              {title: "Goldstein"}, {title: "place"}, {title: "mentions"},
              {title: "confidence"}, {title: "reviewed"}]
      .map((c) => ({...c, render: DataTable.render.text()})),
    createdRow: (tr, row) => tr.setAttribute("data-event-id", ev.event_id[row[0]]),
  });
  table.on("click", "tbody tr", function () {
    const row = table.row(this).data();
    if (row) showEvidence(data, row[0]);
  });
  document.getElementById("events-note").textContent = n < data.events_in_scope
    ? `${n} most recent of ${data.events_in_scope} events carry their evidence here; ` +
      "narrow with --since or --country to see others."
    : `${n} events.`;
  const who = document.getElementById("reviewer");
  who.value = reviewer();
  who.addEventListener("change", () => localStorage.setItem(WHO, who.value.trim()));
  document.getElementById("export-reviews").addEventListener("click", exportReviews);
  const sampleList = document.getElementById("sample-list");
  for (const id of META.sample || []) {
    const m = byMention.get(id);
    if (m === undefined) continue;
    const sentence = data.sentences[data.mentions.sentence[m]];
    const code = data.mentions.code[m];
    sampleList.append(el("li", {"data-mention-id": id}, el("a", {
      href: "#evidence", onclick: () => showEvidence(data, data.mentions.event[m]),
      text: `${META.code_names[code] || code}: ${sentence.slice(0, 90)}` +
            (sentence.length > 90 ? "…" : "")})));
  }
  refreshReviewSummary(data);
  window.wirehouseReport = {data, table, showEvidence: (e) => showEvidence(data, e),
                            reviews, exportReviews};
  performance.mark("wirehouse:table-ready");
  document.body.setAttribute("data-table-ready", "true");
  await charts;
  document.body.setAttribute("data-ready", "true");
}

main().catch((err) => {
  document.getElementById("events-note").textContent = "could not load the evidence: " + err;
  throw err;
});
