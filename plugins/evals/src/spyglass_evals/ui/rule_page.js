// One evaluation rule: what it evaluates, pause / resume, edit, delete, and its
// executions (status, error, score, cost, links to the evaluated trace and to the
// judge's own trace), filterable by status with ``?status=``.

import {
  html, useState, api, useApi, usePaged, navigate, setQuery, roleAllows, formatCost, formatNumber, relativeTime,
  Badge, DataTable, ErrorBox, Notice, PageHeader, Spinner,
} from "/static/app/ui.js";
import { evalsPath, evalsUrl, verdictText } from "./common.js";
import { RuleEditor, RuleStatus, TARGETS, assignmentNames, useEvaluatorChoices } from "./rules.js";

const STATUSES = ["PENDING", "RUNNING", "COMPLETED", "ERROR", "CANCELLED"];
const STATUS_KIND = { COMPLETED: "ok", ERROR: "error", CANCELLED: "", PENDING: "", RUNNING: "warn" };

/** The evaluated object, linked to its page where it has one. */
function ObjectLink({ projectId, execution: x }) {
  const kind = x.objectKind.toLowerCase().replace("_", " ");
  if (x.objectKind === "SESSION" && x.sessionId) {
    return html`<a href=${evalsUrl(projectId, "sessions", x.sessionId)}>session ${x.sessionId}</a>`;
  }
  if (x.traceId) return html`<a href=${evalsUrl(projectId, "traces", x.traceId)} title=${x.objectId}>${kind} ${x.traceId}</a>`;
  return html`<span class="mono">${kind} ${x.objectId}</span>`;
}

function score(x) {
  if (x.scoreValue === null || x.scoreValue === undefined) return "";
  return `${x.scoreName}: ${verdictText(x.scoreValue)}`;
}

function Executions({ projectId, rule, names, query }) {
  const status = STATUSES.includes(query.get("status")) ? query.get("status") : "";
  const list = usePaged(evalsPath(projectId, `/evaluation-rules/${encodeURIComponent(rule.id)}/executions`), { status: status || undefined });
  const columns = [
    { id: "status", label: "Status", width: "110px", render: (x) => html`<${Badge} kind=${STATUS_KIND[x.status]}>${x.status.toLowerCase()}<//>` },
    { id: "evaluator", label: "Evaluator", width: "minmax(120px, 1fr)", render: (x) => names[x.evaluator] || x.evaluator },
    { id: "object", label: "Evaluated", width: "2fr", render: (x) => html`<${ObjectLink} projectId=${projectId} execution=${x} />` },
    { id: "score", label: "Score", width: "minmax(160px, 1.5fr)", render: (x) => html`<span title=${x.scoreComment || ""}>${score(x)}</span>` },
    { id: "error", label: "Error", width: "2fr", render: (x) => (x.error ? html`<span class="error-text" title=${x.error}>${x.error}</span>` : "") },
    { id: "cost", label: "Cost", width: "80px", align: "right", render: (x) => (x.cost === null || x.cost === undefined ? "" : formatCost(x.cost)) },
    { id: "tokens", label: "Tokens", width: "80px", align: "right",
      render: (x) => (x.inputTokens || x.outputTokens ? formatNumber((x.inputTokens || 0) + (x.outputTokens || 0)) : "") },
    { id: "judge", label: "Judge", width: "70px", render: (x) => (x.judgeTraceId
      ? html`<a href=${evalsUrl(projectId, "traces", x.judgeTraceId)} aria-label=${`Judge trace of ${x.objectId}`}>trace</a>` : "") },
    { id: "attempts", label: "Attempts", width: "80px", align: "right", render: (x) => x.attempts },
    { id: "created", label: "Created", width: "110px", render: (x) => relativeTime(x.createdAt) },
  ];
  const notYet = list.error && list.error.status === 404 && !list.rows.length;
  return html`<section class="stack grow" aria-label="Executions">
    <div class="filters">
      <h3>Executions</h3>
      <select aria-label="Status filter" value=${status} onChange=${(e) => setQuery({ status: e.target.value || undefined })}>
        <option value="">All statuses</option>${STATUSES.map((s) => html`<option value=${s}>${s.toLowerCase()}</option>`)}</select>
      <button class="small" onClick=${list.reload}>Refresh</button>
    </div>
    ${notYet ? html`<${Notice}>This server does not list executions yet.<//>` : html`<${ErrorBox} error=${list.error} retry=${list.reload} />`}
    <div class="table-box"><${DataTable} columns=${columns} rows=${list.rows} loading=${list.loading} onEndReached=${list.more}
      empty=${status ? `No ${status.toLowerCase()} executions.` : "No executions yet: they appear as matching objects arrive."} /></div>
  </section>`;
}

export function RulePage({ projectId, project, params, query }) {
  const detail = useApi(evalsPath(projectId, `/evaluation-rules/${encodeURIComponent(params.ruleId)}`));
  const choices = useEvaluatorChoices(projectId);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState(null);
  if (detail.error) return html`<div class="page"><${ErrorBox} error=${detail.error} retry=${detail.reload} /></div>`;
  if (!detail.data) return html`<${Spinner} />`;
  const rule = detail.data;
  const canWrite = roleAllows(project.role, "MEMBER");
  const path = evalsPath(projectId, `/evaluation-rules/${encodeURIComponent(rule.id)}`);
  const toggle = async () => {
    setError(null);
    try {
      await api.patch(path, { enabled: !rule.enabled });
      detail.reload();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async () => {
    if (!confirm(`Delete the rule ${rule.name}? The scores it wrote stay.`)) return;
    try {
      await api.del(path);
      navigate(evalsUrl(projectId, "evaluation-rules"));
    } catch (e) {
      setError(e);
    }
  };
  const names = Object.fromEntries(choices.judges.map((e) => [e.id, e.name]));
  const target = (TARGETS.find((t) => t.id === (rule.target || "observation")) || {}).label;
  return html`<div class="page full">
    <${PageHeader} title=${rule.name} subtitle=${`Evaluates ${String(target).toLowerCase()} · updated ${relativeTime(rule.updatedAt)}`}>
      <a href=${evalsUrl(projectId, "evaluation-rules")}>All rules</a>
      ${canWrite ? html`<button onClick=${toggle}>${rule.enabled ? "Pause" : rule.pausedReason ? "Resume" : "Activate"}</button>
        <button onClick=${() => setEditing(!editing)}>${editing ? "Close editor" : "Edit"}</button>
        <button class="danger" onClick=${remove}>Delete</button>` : null}
    <//>
    <${ErrorBox} error=${error} />
    ${rule.pausedReason ? html`<${Notice} kind="warning">Paused by Spyglass: ${rule.pausedReason}. Fix the cause, then resume the rule.<//>` : null}
    ${editing ? html`<${RuleEditor} projectId=${projectId} rule=${rule} onCancel=${() => setEditing(false)}
        onSaved=${() => { setEditing(false); detail.reload(); }} />` : html`<dl class="facts" aria-label="Rule">
      <dt>Status</dt><dd><${RuleStatus} rule=${rule} /></dd>
      <dt>Evaluators</dt><dd>${assignmentNames(rule, choices.judges).join(", ") || "none"}</dd>
      <dt>Sampling</dt><dd>${Math.round(rule.sampling * 1000) / 10}%</dd>
      <dt>Delay</dt><dd>${rule.delaySeconds} s</dd>
      <dt>Filter</dt><dd>${rule.filter.length ? html`<pre class="raw">${JSON.stringify(rule.filter, null, 2)}</pre>` : "every object"}</dd>
    </dl>`}
    <${Executions} projectId=${projectId} rule=${rule} query=${query}
      names=${{ ...names, ...Object.fromEntries(choices.code.map((c) => [`code:${c.name}`, `code:${c.name}`])) }} />
  </div>`;
}
