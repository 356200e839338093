// The traces table: filters, column choice, sorting, keyset pages loaded on scroll, live refresh.

import {
  html, useEffect, useMemo, useRef, useState, api, projectPath, projectUrl, navigate, setQuery, useInterval,
  DataTable, ErrorBox, PageHeader, Badge, formatTime, formatDuration, formatCost, formatNumber,
  formatScore, relativeTime,
} from "/static/app/ui.js";
import { TraceFilters, traceParams } from "./filters.js";

const COLUMN_STORE = "spyglass.traces.columns";

function scoreBadges(scores) {
  return (scores || []).slice(0, 4).map((s) => html`<${Badge} kind="score" title=${s.name}>${s.name}: ${formatScore(s)}<//>`);
}

/** Every column the table can show; ``standard`` ones are on until the user chooses. */
export function traceColumns(projectId) {
  return [
    { id: "timestamp", label: "Timestamp", width: "185px", standard: true, sortable: true,
      render: (t) => html`<span title=${relativeTime(t.timestamp)}>${formatTime(t.timestamp)}</span>` },
    { id: "name", label: "Name", width: "minmax(140px, 1.2fr)", standard: true, sortable: true, render: (t) => t.name || html`<span class="muted">(unnamed)</span>` },
    { id: "id", label: "Trace id", width: "minmax(120px, 1fr)", render: (t) => html`<code>${t.id}</code>` },
    { id: "input", label: "Input", width: "minmax(160px, 1.6fr)", standard: true, render: (t) => html`<span class="muted">${t.inputPreview || ""}</span>` },
    { id: "output", label: "Output", width: "minmax(160px, 1.6fr)", standard: true, render: (t) => html`<span class="muted">${t.outputPreview || ""}</span>` },
    { id: "userId", label: "User", width: "minmax(90px, .8fr)", standard: true,
      render: (t) => (t.userId ? html`<a href=${projectUrl(projectId, "users", t.userId)} onClick=${(e) => e.stopPropagation()}>${t.userId}</a>` : "") },
    { id: "sessionId", label: "Session", width: "minmax(90px, .8fr)",
      render: (t) => (t.sessionId ? html`<a href=${projectUrl(projectId, "sessions", t.sessionId)} onClick=${(e) => e.stopPropagation()}>${t.sessionId}</a>` : "") },
    { id: "latency", label: "Latency", width: "85px", align: "right", standard: true, sortable: true, render: (t) => formatDuration(t.latency) },
    { id: "totalCost", label: "Cost", width: "95px", align: "right", standard: true, sortable: true, render: (t) => formatCost(t.totalCost) },
    { id: "tokens", label: "Tokens", width: "110px", align: "right", standard: true,
      render: (t) => html`<span title=${`${t.inputTokens} in / ${t.outputTokens} out`}>${formatNumber(t.totalTokens)}</span>` },
    { id: "level", label: "Level", width: "80px", render: (t) => (t.level && t.level !== "DEFAULT" ? html`<${Badge} kind=${t.level}>${t.level}<//>` : "") },
    { id: "scores", label: "Scores", width: "minmax(120px, 1.2fr)", standard: true, render: (t) => scoreBadges(t.scores) },
    { id: "tags", label: "Tags", width: "minmax(100px, 1fr)", standard: true, render: (t) => (t.tags || []).map((tag) => html`<${Badge}>${tag}<//>`) },
    { id: "environment", label: "Environment", width: "110px", render: (t) => t.environment || "" },
    { id: "observationCount", label: "Observations", width: "100px", align: "right", render: (t) => formatNumber(t.observationCount) },
    { id: "release", label: "Release", width: "100px", render: (t) => t.release || "" },
    { id: "version", label: "Version", width: "90px", render: (t) => t.version || "" },
  ];
}

function chosenColumns(all) {
  try {
    const saved = JSON.parse(localStorage.getItem(COLUMN_STORE) || "null");
    if (Array.isArray(saved) && saved.length) return new Set(saved);
  } catch { /* fall back to the standard columns */ }
  return new Set(all.filter((c) => c.standard).map((c) => c.id));
}

function ColumnPicker({ all, chosen, onChange }) {
  const [open, setOpen] = useState(false);
  return html`<div class="multiselect">
    <button onClick=${() => setOpen(!open)} aria-expanded=${open}>Columns ▾</button>
    ${open ? html`<div class="popover" style=${{ left: "auto", right: 0 }}>
      <div class="options">${all.map((c) => html`<label key=${c.id}>
        <input type="checkbox" checked=${chosen.has(c.id)} onChange=${() => {
          const next = new Set(chosen);
          if (next.has(c.id)) next.delete(c.id);
          else next.add(c.id);
          onChange(next);
        }} /> ${c.label}</label>`)}</div></div>` : null}
  </div>`;
}

/**
 * A table of traces for ``params`` (the traces API's filters). Used by the traces page,
 * and by the user and session pages with a fixed filter.
 */
export function TracesTable({ projectId, params, live = false, columns, sortable = true }) {
  const [state, setState] = useState({ rows: [], cursor: null, done: false, loading: true, error: null });
  const generation = useRef(0);
  const key = JSON.stringify(params);
  const path = projectPath(projectId, "/traces");
  const loadFirst = async () => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const page = await api.get(path, { ...params, limit: 50 });
      if (mine !== generation.current) return;
      setState({ rows: page.items, cursor: page.nextCursor, done: !page.nextCursor, loading: false, error: null });
    } catch (error) {
      if (mine === generation.current) setState({ rows: [], cursor: null, done: true, loading: false, error });
    }
  };
  useEffect(() => {
    loadFirst();
  }, [key]);
  const loadMore = async () => {
    if (state.loading || state.done || !state.cursor) return;
    const mine = generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const page = await api.get(path, { ...params, limit: 100, cursor: state.cursor });
      if (mine !== generation.current) return;
      setState((s) => ({ ...s, rows: [...s.rows, ...page.items], cursor: page.nextCursor, done: !page.nextCursor, loading: false }));
    } catch (error) {
      setState((s) => ({ ...s, loading: false, error }));
    }
  };
  // Live refresh: new traces on top, without losing what was scrolled to.
  useInterval(async () => {
    const mine = generation.current;
    const page = await api.get(path, { ...params, limit: 50 }).catch(() => null);
    if (!page || mine !== generation.current) return;
    setState((s) => {
      const known = new Set(s.rows.map((r) => r.id));
      const fresh = page.items.filter((r) => !known.has(r.id));
      const updated = new Map(page.items.map((r) => [r.id, r]));
      return { ...s, rows: [...fresh, ...s.rows.map((r) => updated.get(r.id) || r)] };
    });
  }, 5000, live && !params.orderBy);
  const sort = { id: params.orderBy || "timestamp", desc: (params.order || "desc") === "desc" };
  return html`<div class="table-box">
    ${state.error ? html`<${ErrorBox} error=${state.error} retry=${loadFirst} />` : html`
    <${DataTable} columns=${columns} rows=${state.rows} loading=${state.loading} sort=${sort}
      onSort=${sortable ? (id) => setQuery({ orderBy: id === "timestamp" ? undefined : id, order: sort.id === id && sort.desc ? "asc" : undefined }) : undefined}
      onEndReached=${loadMore} empty="No traces match. Send some with a Langfuse SDK, or widen the filters."
      onRowClick=${(row) => navigate(projectUrl(projectId, "traces", row.id))} />`}
  </div>`;
}

export function TracesPage({ projectId, query }) {
  const all = traceColumns(projectId);
  const [chosen, setChosen] = useState(() => chosenColumns(all));
  const [live, setLive] = useState(false);
  const columns = all.filter((c) => chosen.has(c.id));
  const search = query.toString();
  const params = useMemo(() => traceParams(query), [search]);
  const saveColumns = (next) => {
    localStorage.setItem(COLUMN_STORE, JSON.stringify([...next]));
    setChosen(next);
  };
  return html`<div class="page full">
    <${PageHeader} title="Traces">
      <label class="muted"><input type="checkbox" checked=${live} onChange=${(e) => setLive(e.target.checked)} /> Live</label>
      <${ColumnPicker} all=${all} chosen=${chosen} onChange=${saveColumns} />
    <//>
    <${TraceFilters} projectId=${projectId} query=${query} />
    <${TracesTable} projectId=${projectId} params=${params} live=${live} columns=${columns} />
  </div>`;
}
