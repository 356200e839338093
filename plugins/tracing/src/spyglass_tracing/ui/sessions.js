// Sessions: the list, and one session replayed turn by turn.

import {
  html, usePaged, useState, api, projectPath, projectUrl, navigate, setQuery, useEffect,
  DataTable, ErrorBox, PageHeader, Spinner, ContentView, Badge,
  formatTime, formatDuration, formatCost, formatNumber, formatScore, relativeTime,
} from "/static/app/ui.js";

import { CommentsPanel } from "./annotate.js";

export function SessionsPage({ projectId, query }) {
  const [search, setSearch] = useState(query.get("search") || "");
  const list = usePaged(projectPath(projectId, "/sessions"), { search: query.get("search") || undefined, userId: query.get("userId") || undefined });
  const columns = [
    { id: "id", label: "Session", width: "minmax(180px, 2fr)", render: (s) => html`<code>${s.id}</code>` },
    { id: "createdAt", label: "Started", width: "170px", render: (s) => formatTime(s.createdAt) },
    { id: "lastTraceAt", label: "Last activity", width: "120px", render: (s) => relativeTime(s.lastTraceAt || s.createdAt) },
    { id: "traceCount", label: "Traces", width: "80px", align: "right", render: (s) => formatNumber(s.traceCount) },
    { id: "userIds", label: "Users", render: (s) => (s.userIds || []).join(", ") },
    { id: "duration", label: "Duration", width: "90px", align: "right", render: (s) => formatDuration(s.durationSeconds) },
    { id: "cost", label: "Cost", width: "95px", align: "right", render: (s) => formatCost(s.totalCost) },
    { id: "tokens", label: "Tokens", width: "95px", align: "right", render: (s) => formatNumber(s.totalTokens) },
  ];
  return html`<div class="page full">
    <${PageHeader} title="Sessions" />
    <div class="filters">
      <input type="search" aria-label="Search sessions" placeholder="Search session id…" value=${search}
        onInput=${(e) => setSearch(e.target.value)} onKeyDown=${(e) => e.key === "Enter" && setQuery({ search: search || undefined })} />
      ${query.get("userId") ? html`<button class="filter-button on" onClick=${() => setQuery({ userId: undefined })}>User: ${query.get("userId")} ✕</button>` : null}
    </div>
    <div class="table-box">${list.error ? html`<${ErrorBox} error=${list.error} retry=${list.reload} />` : html`
      <${DataTable} columns=${columns} rows=${list.rows} loading=${list.loading} onEndReached=${list.more}
        empty="No sessions. Traces with a sessionId appear here."
        onRowClick=${(s) => navigate(projectUrl(projectId, "sessions", s.id))} />`}</div>
  </div>`;
}

function Turn({ projectId, turn, index }) {
  return html`<article class="turn" aria-label=${`Turn ${index + 1}`}>
    <header class="turn-head">
      <span class="muted">#${index + 1}</span>
      <a href=${projectUrl(projectId, "traces", turn.id)}>${turn.name || turn.id}</a>
      <span class="muted">${formatTime(turn.timestamp)} · ${formatDuration(turn.latency)}${turn.totalCost ? ` · ${formatCost(turn.totalCost)}` : ""}</span>
      ${(turn.scores || []).map((s) => html`<${Badge} kind="score">${s.name}: ${formatScore(s)}<//>`)}
    </header>
    <div class="turn-body">
      <${ContentView} label="Input" value=${turn.input} />
      <${ContentView} label="Output" value=${turn.output} />
    </div>
  </article>`;
}

export function SessionPage({ projectId, project, session, params }) {
  const path = projectPath(projectId, `/sessions/${encodeURIComponent(params.sessionId)}`);
  const [state, setState] = useState({ data: null, turns: [], cursor: null, error: null, loading: true });
  const load = async (cursor) => {
    setState((s) => ({ ...s, loading: true }));
    try {
      const page = await api.get(path, { cursor: cursor || undefined, limit: 50 });
      setState((s) => ({ data: page.session, turns: cursor ? [...s.turns, ...page.traces] : page.traces, cursor: page.nextCursor, error: null, loading: false }));
    } catch (error) {
      setState((s) => ({ ...s, error, loading: false }));
    }
  };
  useEffect(() => { load(null); }, [path]);
  if (state.error) return html`<div class="page"><${ErrorBox} error=${state.error} retry=${() => load(null)} /></div>`;
  if (!state.data) return html`<${Spinner} />`;
  const s = state.data;
  return html`<div class="page">
    <${PageHeader} title=${`Session ${s.id}`} subtitle=${`${formatNumber(s.traceCount)} traces · ${formatDuration(s.durationSeconds)} · ${formatCost(s.totalCost)} · users: ${(s.userIds || []).join(", ") || "none"}`}>
      <a href=${`${projectUrl(projectId, "traces")}?sessionId=${encodeURIComponent(s.id)}`}>Show as traces</a>
    <//>
    <div class="turns">${state.turns.map((turn, i) => html`<${Turn} key=${turn.id} projectId=${projectId} turn=${turn} index=${i} />`)}</div>
    ${state.cursor ? html`<button onClick=${() => load(state.cursor)} disabled=${state.loading}>Load more turns</button>` : null}
    <${CommentsPanel} projectId=${projectId} project=${project} session=${session} objectType="SESSION" objectId=${s.id} />
  </div>`;
}
