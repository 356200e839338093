// Dashboard: volume, cost, tokens, latency percentiles and scores over time; the top
// trace names, models and users. One request to the dashboard endpoint per range.

import {
  html, useApi, projectPath, projectUrl, setQuery,
  PageHeader, ErrorBox, Spinner, TimeChart, BarList, formatCost, formatNumber, formatDuration,
} from "/static/app/ui.js";

const RANGES = [
  { id: "24h", label: "Last 24 hours", seconds: 86400 },
  { id: "7d", label: "Last 7 days", seconds: 7 * 86400 },
  { id: "30d", label: "Last 30 days", seconds: 30 * 86400 },
  { id: "90d", label: "Last 90 days", seconds: 90 * 86400 },
];

const seconds = (iso) => new Date(iso).getTime() / 1000;

/** One series per score name, aligned on the dashboard's buckets. */
function scoreSeries(buckets, scores) {
  const index = new Map(buckets.map((b, i) => [b.start, i]));
  const byName = new Map();
  for (const score of scores) {
    if (!byName.has(score.name)) byName.set(score.name, new Array(buckets.length).fill(null));
    const at = index.get(score.start);
    if (at !== undefined) byName.get(score.name)[at] = score.average;
  }
  return [...byName.entries()].slice(0, 8).map(([label, values]) => ({ label, values }));
}

function Card({ label, value }) {
  return html`<div class="card"><div class="label">${label}</div><div class="value">${value}</div></div>`;
}

function Panel({ title, children }) {
  return html`<section class="panel" aria-label=${title}><h3>${title}</h3>${children}</section>`;
}

export function DashboardPage({ projectId, query }) {
  const rangeId = query.get("range") || "7d";
  const range = RANGES.find((r) => r.id === rangeId) || RANGES[1];
  // The window ends at the next whole minute (so it holds what arrived this minute) and
  // stays the same across re-renders, which would otherwise fetch again.
  const end = Math.ceil((Date.now() + 1) / 60000) * 60000;
  const data = useApi(projectPath(projectId, "/dashboard"), {
    fromTimestamp: new Date(end - range.seconds * 1000).toISOString(),
    toTimestamp: new Date(end).toISOString(),
    granularity: "auto",
  });
  const header = html`<${PageHeader} title="Dashboard">
    <select aria-label="Time range" value=${range.id} onChange=${(e) => setQuery({ range: e.target.value })}>
      ${RANGES.map((r) => html`<option value=${r.id}>${r.label}</option>`)}
    </select>
  <//>`;
  if (data.error) return html`<div class="page">${header}<${ErrorBox} error=${data.error} retry=${data.reload} /></div>`;
  if (!data.data) return html`<div class="page">${header}<${Spinner} /></div>`;
  const d = data.data;
  const x = d.series.map((b) => seconds(b.start));
  const pick = (key) => d.series.map((b) => b[key]);
  const scores = scoreSeries(d.series, d.scores);
  return html`<div class="page">
    ${header}
    <div class="cards">
      <${Card} label="Traces" value=${formatNumber(d.totals.traces)} />
      <${Card} label="Observations" value=${formatNumber(d.totals.observations)} />
      <${Card} label="Total cost" value=${formatCost(d.totals.totalCost) || "$0"} />
      <${Card} label="Tokens" value=${formatNumber(d.totals.totalTokens, { short: true })} />
    </div>
    <div class="panels">
      <${Panel} title="Traces and observations">
        <${TimeChart} x=${x} bars=${true} series=${[{ label: "Traces", values: pick("traces") }, { label: "Observations", values: pick("observations") }]}
          format=${(v) => formatNumber(v, { short: true })} />
      <//>
      <${Panel} title="Cost">
        <${TimeChart} x=${x} bars=${true} series=${[{ label: "Cost", values: pick("totalCost") }]} format=${formatCost} />
      <//>
      <${Panel} title="Trace latency percentiles">
        <${TimeChart} x=${x} series=${[
          { label: "p50", values: pick("latencyP50") },
          { label: "p95", values: pick("latencyP95") },
          { label: "p99", values: pick("latencyP99") },
        ]} format=${(ms) => formatDuration(ms === null || ms === undefined ? ms : ms / 1000)} />
      <//>
      <${Panel} title="Tokens">
        <${TimeChart} x=${x} bars=${true} series=${[{ label: "Tokens", values: pick("totalTokens") }]}
          format=${(v) => formatNumber(v, { short: true })} />
      <//>
      <${Panel} title="Scores (average)">
        ${scores.length ? html`<${TimeChart} x=${x} series=${scores} format=${(v) => (v === null ? "" : v.toFixed(2))} />`
          : html`<div class="muted">No numeric scores in this range.</div>`}
      <//>
      <${Panel} title="Top trace names">
        <${BarList} items=${d.topTraceNames.map((t) => ({ label: t.name, value: t.traces }))} format=${formatNumber} />
      <//>
      <${Panel} title="Cost by model">
        <${BarList} items=${d.costByModel.map((m) => ({ label: m.model, value: m.totalCost }))} format=${formatCost} />
      <//>
      <${Panel} title="Users by cost">
        <${BarList} items=${d.users.map((u) => ({ label: u.userId, value: u.totalCost }))} format=${formatCost} />
        ${d.users.length ? html`<div class="small"><a href=${projectUrl(projectId, "users")}>All users</a></div>` : null}
      <//>
    </div>
  </div>`;
}
