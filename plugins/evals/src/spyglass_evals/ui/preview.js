// The live preview of an evaluator being edited: pick a trace (and optionally one of its
// observations), run the draft's judge on it, and see the filled variables, the prompt
// as sent and the verdict with its reasoning. Nothing is stored.

import { html, useState, api, useApi, formatNumber, formatTime, Badge, ErrorBox, Field } from "/static/app/ui.js";
import { evalsPath, evalsUrl, verdictText } from "./common.js";

function Result({ projectId, result }) {
  const usage = result.usage;
  return html`<div class="stack" aria-label="Preview result">
    <div class="panel" aria-label="Verdict">
      <div class="inline-form"><strong>Verdict</strong>
        <${Badge} kind="score">score: ${verdictText(result.verdict.value)}<//>
        <span class="muted small">${result.provider} / ${result.model}${usage
          ? ` · ${formatNumber(usage.inputTokens)} input + ${formatNumber(usage.outputTokens)} output tokens` : ""}</span></div>
      <p class="score-comment" aria-label="Reasoning">${result.verdict.reasoning}</p>
    </div>
    <div class="two-columns">
      <div class="panel"><h4>Variables from the ${result.evaluated.kind.toLowerCase()} ${result.evaluated.kind === "TRACE"
        ? html`<a href=${evalsUrl(projectId, "traces", result.evaluated.id)}>${result.evaluated.name || result.evaluated.id}</a>`
        : result.evaluated.name || result.evaluated.id}</h4>
        <dl class="facts" aria-label="Filled variables">${Object.entries(result.variables).map(([name, value]) => html`
          <dt>${name}</dt><dd><pre class="raw">${typeof value === "string" ? value : JSON.stringify(value, null, 2)}</pre></dd>`)}</dl>
      </div>
      <div class="panel"><h4>Prompt as sent</h4>
        <div aria-label="Rendered prompt">${result.messages.map((m) => html`<div class="message">
          <div class="muted small">${m.role}</div><pre class="raw">${m.content}</pre></div>`)}</div>
      </div>
    </div>
  </div>`;
}

/** ``draft()`` returns the preview body's definition fields (prompt, outputDefinition, …). */
export function PreviewPanel({ projectId, draft, canRun }) {
  const recent = useApi(evalsPath(projectId, "/evaluator-preview/traces"));
  const [traceId, setTraceId] = useState("");
  const [observationId, setObservationId] = useState("");
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [running, setRunning] = useState(false);
  const observations = useApi(traceId ? evalsPath(projectId, `/evaluator-preview/traces/${encodeURIComponent(traceId)}/observations`) : null);
  const traces = (recent.data && recent.data.items) || [];
  const run = async () => {
    setRunning(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.post(evalsPath(projectId, "/evaluator-preview"), {
        ...draft(), traceId: traceId.trim(), observationId: observationId || null,
      }));
    } catch (e) {
      setError(e);
    } finally {
      setRunning(false);
    }
  };
  const pick = (id) => {
    setTraceId(id);
    setObservationId("");
  };
  return html`<section class="panel stack" aria-label="Preview">
    <h3>Preview on a trace</h3>
    <p class="muted small">Runs this draft's judge once on a trace of the project, as a rule would; nothing is stored.</p>
    <div class="two-columns">
      <${Field} label="Recent traces">
        <select aria-label="Recent traces" onChange=${(e) => pick(e.target.value)}>
          <option value="">${recent.loading ? "Loading…" : traces.length ? "Choose a trace…" : "No traces yet"}</option>
          ${traces.map((t) => html`<option value=${t.id} selected=${t.id === traceId}>${t.name || "(unnamed)"} · ${formatTime(t.timestamp)} · ${(t.input || "").slice(0, 60)}</option>`)}
        </select><//>
      <${Field} label="Trace id"><input aria-label="Trace id" value=${traceId} onInput=${(e) => pick(e.target.value)} placeholder="paste a trace id" /><//>
    </div>
    ${traceId ? html`<${Field} label="Evaluate">
      <select aria-label="Evaluate" onChange=${(e) => setObservationId(e.target.value)}>
        <option value="">the trace itself</option>
        ${((observations.data && observations.data.items) || []).map((o) => html`<option value=${o.id} selected=${o.id === observationId}>
          ${o.type.toLowerCase()} ${o.name || o.id}</option>`)}
      </select><//>` : null}
    <${ErrorBox} error=${recent.error && recent.error.status !== 404 ? recent.error : null} />
    <div class="inline-form"><button class="primary" disabled=${!canRun || !traceId.trim() || running} onClick=${run}>
      ${running ? "Running…" : "Run preview"}</button>
      ${canRun ? null : html`<span class="muted small">Running a preview takes the member role.</span>`}</div>
    <${ErrorBox} error=${error} />
    ${result ? html`<${Result} projectId=${projectId} result=${result} />` : null}
  </section>`;
}
