// Trace detail: the observation tree and waterfall beside the selected node's details.

import {
  html, useEffect, useState, api, useApi, projectPath, projectUrl, setQuery, useHotkeys, roleAllows,
  ContentView, JsonTree, ErrorBox, Spinner, Badge, CopyButton, Tabs, TraceActions,
  formatTime, formatDuration, formatCost, formatNumber,
} from "/static/app/ui.js";
import { ObservationTree, visibleIds } from "./tree.js";
import { CommentsPanel, ScoresPanel } from "./annotate.js";
import { AddToQueue } from "./annotation.js";
import { MediaPreviews } from "./media.js";

const PAGE = 1000;

/** Loads the trace's light observation nodes page by page (never their input/output). */
function useObservationNodes(projectId, traceId) {
  const [state, setState] = useState({ nodes: [], cursor: null, done: false, loading: true, error: null });
  const path = projectPath(projectId, `/traces/${encodeURIComponent(traceId)}/observations`);
  const load = async (cursor) => {
    setState((s) => ({ ...s, loading: true }));
    try {
      const page = await api.get(path, { limit: PAGE, cursor: cursor || undefined });
      setState((s) => ({ nodes: cursor ? [...s.nodes, ...page.items] : page.items, cursor: page.nextCursor,
        done: !page.nextCursor, loading: false, error: null }));
    } catch (error) {
      setState((s) => ({ ...s, loading: false, error }));
    }
  };
  useEffect(() => { load(null); }, [traceId]);
  return { ...state, more: () => !state.loading && !state.done && load(state.cursor) };
}

function Facts({ items }) {
  const shown = items.filter(([, value]) => value !== null && value !== undefined && value !== "");
  return html`<dl class="facts">${shown.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>`;
}

function usageText(usage) {
  if (!usage) return null;
  const entries = Object.entries(usage).filter(([, v]) => v);
  return entries.length ? entries.map(([k, v]) => `${k}: ${formatNumber(v)}`).join(" · ") : null;
}

/** What other plugins' trace actions (``registerTraceAction``) are told. */
function actionContext({ projectId, project }, traceId, observationId, shown) {
  return {
    projectId, project, canWrite: roleAllows(project.role, "MEMBER"),
    traceId, observationId, input: shown.input, output: shown.output,
  };
}

function TraceDetails({ props, trace, reload }) {
  const { projectId, project, session } = props;
  const scores = (trace.scores || []).filter((s) => !s.observationId);
  return html`<div class="detail">
    <h2>${trace.name || "(unnamed trace)"}</h2>
    ${roleAllows(project.role, "MEMBER") ? html`<${AddToQueue} projectId=${projectId} objectType="TRACE" objectId=${trace.id} />` : null}
    <${TraceActions} ctx=${actionContext(props, trace.id, null, trace)} />
    <${Facts} items=${[
      ["Trace id", html`<code>${trace.id}</code> <${CopyButton} text=${trace.id} />`],
      ["Time", formatTime(trace.timestamp)],
      ["User", trace.userId ? html`<a href=${projectUrl(projectId, "users", trace.userId)}>${trace.userId}</a>` : null],
      ["Session", trace.sessionId ? html`<a href=${projectUrl(projectId, "sessions", trace.sessionId)}>${trace.sessionId}</a>` : null],
      ["Latency", formatDuration(trace.latency)],
      ["Cost", formatCost(trace.totalCost)],
      ["Environment", trace.environment],
      ["Release", trace.release],
      ["Version", trace.version],
      ["Tags", (trace.tags || []).length ? trace.tags.map((t) => html`<${Badge}>${t}<//>`) : null],
    ]} />
    <${ContentView} label="Input" value=${trace.input} />
    <${ContentView} label="Output" value=${trace.output} />
    <${MediaPreviews} projectId=${projectId} values=${[trace.input, trace.output, trace.metadata]} />
    ${trace.metadata && Object.keys(trace.metadata).length ? html`<${ContentView} label="Metadata" value=${trace.metadata} />` : null}
    <${ScoresPanel} projectId=${projectId} project=${project} scores=${scores} target=${{ traceId: trace.id }} onChange=${reload} />
    <${CommentsPanel} projectId=${projectId} project=${project} session=${session} objectType="TRACE" objectId=${trace.id} />
  </div>`;
}

function ObservationDetails({ props, trace, observationId, reload }) {
  const { projectId, project, session } = props;
  const detail = useApi(projectPath(projectId, `/observations/${encodeURIComponent(observationId)}`));
  const [tab, setTab] = useState("io");
  if (detail.error) return html`<${ErrorBox} error=${detail.error} retry=${detail.reload} />`;
  if (!detail.data) return html`<${Spinner} />`;
  const o = detail.data;
  const scores = (trace.scores || []).filter((s) => s.observationId === o.id);
  const prompt = o.promptName
    ? html`<a href=${`${projectUrl(projectId, "prompts")}?name=${encodeURIComponent(o.promptName)}&version=${o.promptVersion ?? ""}`}>${o.promptName} v${o.promptVersion}</a>`
    : null;
  return html`<div class="detail">
    <h2><${Badge} kind=${o.type}>${o.type}<//> ${o.name || o.id}</h2>
    ${roleAllows(project.role, "MEMBER") ? html`<${AddToQueue} projectId=${projectId} objectType="OBSERVATION" objectId=${o.id} />` : null}
    <${TraceActions} ctx=${actionContext(props, trace.id, o.id, o)} />
    <${Facts} items=${[
      ["Observation id", html`<code>${o.id}</code> <${CopyButton} text=${o.id} />`],
      ["Start", formatTime(o.startTime)],
      ["Latency", formatDuration(o.latency)],
      ["Time to first token", o.timeToFirstToken !== null && o.timeToFirstToken !== undefined ? formatDuration(o.timeToFirstToken) : null],
      ["Model", o.model],
      ["Usage", usageText(o.usageDetails)],
      ["Cost", o.totalCost ? html`${formatCost(o.totalCost)} <span class="muted small">${Object.entries(o.costDetails || {}).map(([k, v]) => `${k}: ${formatCost(v)}`).join(" · ")}</span>` : null],
      ["Level", o.level && o.level !== "DEFAULT" ? html`<${Badge} kind=${o.level}>${o.level}<//>` : o.level],
      ["Status", o.statusMessage],
      ["Prompt", prompt],
      ["Environment", o.environment],
      ["Version", o.version],
    ]} />
    <${Tabs} tabs=${[{ id: "io", label: "Input / output" }, { id: "meta", label: "Metadata" }, { id: "params", label: "Model parameters" }]}
      active=${tab} onChange=${setTab} />
    ${tab === "io" ? html`<${ContentView} label="Input" value=${o.input} /><${ContentView} label="Output" value=${o.output} />` : null}
    <${MediaPreviews} projectId=${projectId} values=${[o.input, o.output, o.metadata]} />
    ${tab === "meta" ? html`<${ContentView} label="Metadata" value=${o.metadata} />` : null}
    ${tab === "params" ? html`<${ContentView} label="Model parameters" value=${o.modelParameters} />` : null}
    <${ScoresPanel} projectId=${projectId} project=${project} scores=${scores} target=${{ traceId: trace.id, observationId: o.id }} onChange=${reload} />
    <${CommentsPanel} projectId=${projectId} project=${project} session=${session} objectType="OBSERVATION" objectId=${o.id} />
  </div>`;
}

export function TracePage(props) {
  const { projectId, params, query } = props;
  const traceId = params.traceId;
  const trace = useApi(projectPath(projectId, `/traces/${encodeURIComponent(traceId)}`));
  const nodes = useObservationNodes(projectId, traceId);
  const [collapsed, setCollapsed] = useState(() => new Set());
  const selected = query.get("observation") || null;
  const select = (id) => setQuery({ observation: id || undefined });
  useHotkeys((event) => {
    if (!["j", "k", "ArrowDown", "ArrowUp"].includes(event.key)) return;
    const ids = visibleIds(nodes.nodes, collapsed);
    const at = ids.indexOf(selected);
    const next = event.key === "j" || event.key === "ArrowDown" ? Math.min(ids.length - 1, at + 1) : Math.max(0, at - 1);
    event.preventDefault();
    select(ids[next]);
  }, [nodes.nodes, collapsed, selected]);
  if (trace.error) {
    return html`<div class="page"><${ErrorBox} error=${trace.error.status === 404 ? { message: `Trace ${traceId} was not found (it may still be processing).` } : trace.error} retry=${trace.reload} /></div>`;
  }
  if (!trace.data) return html`<${Spinner} />`;
  const toggle = (id) => setCollapsed((c) => {
    const next = new Set(c);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  });
  return html`<div class="trace-page">
    <div class="trace-left">
      <div class="trace-left-head">
        <a href=${projectUrl(projectId, "traces")}>← Traces</a>
        <span class="muted">${formatNumber(trace.data.observationCount)} observations${nodes.done ? "" : `, ${formatNumber(nodes.nodes.length)} loaded`}</span>
      </div>
      ${nodes.error ? html`<${ErrorBox} error=${nodes.error} />` : null}
      <${ObservationTree} trace=${trace.data} nodes=${nodes.nodes} selected=${selected} onSelect=${select}
        collapsed=${collapsed} onToggle=${toggle} onEndReached=${nodes.more} />
    </div>
    <div class="trace-right">
      ${selected
        ? html`<${ObservationDetails} key=${selected} props=${props} trace=${trace.data} observationId=${selected} reload=${trace.reload} />`
        : html`<${TraceDetails} props=${props} trace=${trace.data} reload=${trace.reload} />`}
    </div>
  </div>`;
}
