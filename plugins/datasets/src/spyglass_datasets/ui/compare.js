// Runs side by side: each run's aggregates (item count, numeric scores mean/p50/p95,
// categorical counts, mean latency, total cost, run-level scores), then one row per
// dataset item with its input, expected output and each run's output, scores, latency,
// cost and trace. ``?runs=<id>,<id>`` picks the runs; items load by keyset ("Load more").

import {
  html, useEffect, useState, api, projectUrl,
  Badge, ContentView, ErrorBox, PageHeader, Spinner, formatCost, formatDuration, formatNumber, formatScore,
} from "/static/app/ui.js";
import { datasetPath, datasetUrl } from "./common.js";

const PAGE = 25;

function useComparison(projectId, datasetId, runIds) {
  const [state, setState] = useState({ data: null, items: [], cursor: null, error: null, loading: true });
  const path = datasetPath(projectId, datasetId, "/compare");
  const load = async (cursor) => {
    setState((s) => ({ ...s, loading: true }));
    try {
      // The run aggregates come with the first page; the next pages are items only.
      const page = await api.get(path, { runIds: runIds.join(","), limit: PAGE, cursor: cursor || undefined,
        summary: cursor ? "false" : undefined });
      setState((s) => ({ data: cursor ? s.data : page, items: cursor ? [...s.items, ...page.items] : page.items,
        cursor: page.nextCursor, error: null, loading: false }));
    } catch (error) {
      setState((s) => ({ ...s, error, loading: false }));
    }
  };
  useEffect(() => { load(null); }, [path, runIds.join(",")]);
  return { ...state, more: () => state.cursor && !state.loading && load(state.cursor) };
}

const number = (value) => (value === null || value === undefined ? "—" : Number.isInteger(value) ? String(value) : value.toFixed(3));

function Summary({ runs }) {
  const numeric = [...new Set(runs.flatMap((r) => Object.keys(r.numericScores)))].sort();
  const categorical = [...new Set(runs.flatMap((r) => Object.keys(r.categoricalScores)))].sort();
  const runLevel = [...new Set(runs.flatMap((r) => r.runScores.map((s) => s.name)))].sort();
  const row = (label, cell) => html`<tr><th scope="row">${label}</th>${runs.map((r) => html`<td>${cell(r)}</td>`)}</tr>`;
  return html`<table class="compare-summary" aria-label="Run summary">
    <thead><tr><th></th>${runs.map((r) => html`<th scope="col">${r.name}</th>`)}</tr></thead>
    <tbody>
      ${row("Run items", (r) => formatNumber(r.itemCount))}
      ${row("Mean latency", (r) => (r.meanLatency === null ? "—" : formatDuration(r.meanLatency)))}
      ${row("Total cost", (r) => formatCost(r.totalCost))}
      ${numeric.map((name) => row(html`${name} <span class="muted small">mean · p50 · p95 (n)</span>`, (r) => {
        const s = r.numericScores[name];
        return s ? html`<strong>${number(s.mean)}</strong> · ${number(s.p50)} · ${number(s.p95)} <span class="muted">(${s.count})</span>` : "—";
      }))}
      ${categorical.map((name) => row(name, (r) => {
        const counts = r.categoricalScores[name];
        return counts ? Object.entries(counts).map(([value, n]) => html`<${Badge} kind="score">${value}: ${n}<//>`) : "—";
      }))}
      ${runLevel.map((name) => row(html`${name} <span class="muted small">(run score)</span>`, (r) =>
        r.runScores.filter((s) => s.name === name).map((s) => html`<${Badge} kind="score">${formatScore(s)}<//>`)))}
    </tbody>
  </table>`;
}

function Cell({ projectId, cell }) {
  if (!cell) return html`<td class="compare-cell muted">Not run</td>`;
  const trace = cell.traceId
    ? `${projectUrl(projectId, "traces", cell.traceId)}${cell.observationId ? `?observation=${encodeURIComponent(cell.observationId)}` : ""}`
    : null;
  return html`<td class="compare-cell">
    <${ContentView} label="Output" value=${cell.output} />
    <div class="compare-scores">${cell.scores.map((s) => html`<${Badge} kind="score" title=${s.comment || ""}>${s.name}: ${formatScore(s)}<//>`)}</div>
    <div class="muted small">
      ${cell.latency === null ? "" : formatDuration(cell.latency)}${cell.cost ? ` · ${formatCost(cell.cost)}` : ""}
      ${trace ? html` · <a href=${trace}>trace</a>` : null}
    </div>
  </td>`;
}

export function ComparePage({ projectId, params, query }) {
  const runIds = (query.get("runs") || "").split(",").filter(Boolean);
  const found = useComparison(projectId, params.datasetId, runIds);
  const back = `${datasetUrl(projectId, params.datasetId)}?tab=runs`;
  if (found.error) return html`<div class="page"><${ErrorBox} error=${found.error} /><a href=${back}>Back to runs</a></div>`;
  if (!found.data) return html`<${Spinner} />`;
  const { runs, datasetName } = found.data;
  return html`<div class="page">
    <${PageHeader} title="Compare runs" subtitle=${`${datasetName} · ${runs.map((r) => r.name).join(" vs ")}`}>
      <a href=${back}>Back to runs</a>
    <//>
    <${Summary} runs=${runs} />
    <div class="compare-box">
      <table class="compare-items" aria-label="Items">
        <thead><tr><th>Input</th><th>Expected output</th>${runs.map((r) => html`<th scope="col">${r.name}</th>`)}</tr></thead>
        <tbody>${found.items.map((item) => html`<tr key=${item.id} data-item=${item.id}>
          <td class="compare-cell"><${ContentView} label="Input" value=${item.input} />
            <a class="small" href=${datasetUrl(projectId, params.datasetId, "items", item.id)}>item ${item.id}</a></td>
          <td class="compare-cell"><${ContentView} label="Expected output" value=${item.expectedOutput} /></td>
          ${runs.map((r) => html`<${Cell} projectId=${projectId} cell=${item.runs[r.id]} />`)}
        </tr>`)}</tbody>
      </table>
    </div>
    ${found.cursor ? html`<button onClick=${found.more} disabled=${found.loading}>Load more items</button>` : null}
  </div>`;
}
