// One evaluator: create it (from a catalogue template or from scratch) or edit it (each
// saved change of the definition is a new version), its version history, and the live
// preview of the draft on a trace.

import {
  html, useEffect, useState, api, useApi, navigate, roleAllows, formatTime,
  Badge, ErrorBox, Field, Notice, PageHeader, Spinner,
} from "/static/app/ui.js";
import { ModelPicker, evalsPath, evalsUrl, modelsOf, useConnections, variablesOf } from "./common.js";
import { outputSummary } from "./evaluators.js";
import { PreviewPanel } from "./preview.js";

const SOURCES = ["input", "output", "metadata", "tool_calls", "expected_output", "experiment_item_metadata"];
const ROLES = ["system", "user", "assistant"];

/** The editor's state from an evaluator, a catalogue template, or nothing. */
function draftOf(source) {
  const s = source || {};
  const output = s.outputDefinition || { dataType: "NUMERIC", minValue: 0, maxValue: 1 };
  const prompt = typeof s.prompt === "string" ? [{ role: "user", content: s.prompt }] : s.prompt;
  const mapping = {};
  for (const m of s.variableMapping || []) mapping[m.variable] = { source: m.source, jsonPath: m.jsonPath || "" };
  return {
    name: s.name || "",
    description: s.description || "",
    messages: prompt && prompt.length ? prompt.map((m) => ({ role: m.role, content: m.content })) : [{ role: "user", content: "" }],
    output: {
      dataType: output.dataType,
      minValue: output.minValue ?? 0,
      maxValue: output.maxValue ?? 1,
      categories: (output.categories || []).join(", "),
      scoreValueInstructions: output.scoreValueInstructions || "",
      scoreReasoningInstructions: output.scoreReasoningInstructions || "",
    },
    model: s.modelConfig ? { provider: s.modelConfig.provider, model: s.modelConfig.model } : { provider: "", model: "" },
    params: s.modelConfig && s.modelConfig.params ? s.modelConfig.params : null,
    mapping,
  };
}

function outputBody(output) {
  const body = { dataType: output.dataType };
  if (output.scoreValueInstructions.trim()) body.scoreValueInstructions = output.scoreValueInstructions.trim();
  if (output.scoreReasoningInstructions.trim()) body.scoreReasoningInstructions = output.scoreReasoningInstructions.trim();
  if (output.dataType === "NUMERIC") {
    body.minValue = Number(output.minValue);
    body.maxValue = Number(output.maxValue);
  }
  if (output.dataType === "CATEGORICAL") {
    body.categories = output.categories.split(",").map((c) => c.trim()).filter(Boolean);
    body.shouldAllowMultipleMatches = false;
  }
  return body;
}

/** A variable's source when none is chosen: the source of the same name, else the input. */
function defaultSource(variable) {
  return SOURCES.includes(variable) ? variable : "input";
}

/** The definition fields of the API body (the same for saving and for the preview). */
function definitionOf(draft) {
  const variables = variablesOf(draft.messages.map((m) => m.content));
  const model = draft.model.provider && draft.model.model.trim()
    ? { provider: draft.model.provider, model: draft.model.model.trim(), ...(draft.params ? { params: draft.params } : {}) }
    : null;
  return {
    prompt: draft.messages,
    outputDefinition: outputBody(draft.output),
    modelConfig: model,
    variableMapping: variables.map((variable) => {
      const chosen = draft.mapping[variable] || {};
      const item = { variable, source: chosen.source || defaultSource(variable) };
      if (chosen.jsonPath && chosen.jsonPath.trim()) item.jsonPath = chosen.jsonPath.trim();
      return item;
    }),
  };
}

function MessagesEditor({ messages, onChange }) {
  const set = (index, changes) => onChange(messages.map((m, i) => (i === index ? { ...m, ...changes } : m)));
  return html`<div class="stack" aria-label="Prompt messages">
    ${messages.map((m, index) => html`<div class="message role-${m.role}" key=${index}>
      <div class="inline-form">
        <select aria-label=${`Role of message ${index + 1}`} value=${m.role} onChange=${(e) => set(index, { role: e.target.value })}>
          ${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}</select>
        ${messages.length > 1 ? html`<button type="button" class="link small" onClick=${() => onChange(messages.filter((_, i) => i !== index))}>Remove</button>` : null}
      </div>
      <textarea aria-label=${`Message ${index + 1}`} rows=${Math.min(14, Math.max(3, m.content.split("\n").length + 1))}
        value=${m.content} onInput=${(e) => set(index, { content: e.target.value })}></textarea>
    </div>`)}
    <div><button type="button" class="small" onClick=${() => onChange([...messages, { role: "user", content: "" }])}>Add message</button>
      <span class="muted small"> Use {{variable}} where a value of the evaluated object goes.</span></div>
  </div>`;
}

function MappingEditor({ variables, mapping, onChange }) {
  if (variables.length === 0) return html`<div class="muted small">The prompt has no {{variables}} yet.</div>`;
  const set = (variable, changes) => onChange({ ...mapping, [variable]: { ...(mapping[variable] || {}), ...changes } });
  return html`<table class="compare-summary" aria-label="Variable mapping"><thead>
      <tr><th>Variable</th><th>Source</th><th>JSONPath (optional)</th></tr></thead><tbody>
    ${variables.map((v) => {
      const chosen = mapping[v] || {};
      return html`<tr key=${v}><td class="mono">{{${v}}}</td>
        <td><select aria-label=${`Source of ${v}`} value=${chosen.source || defaultSource(v)} onChange=${(e) => set(v, { source: e.target.value })}>
          ${SOURCES.map((s) => html`<option value=${s}>${s}</option>`)}</select></td>
        <td><input aria-label=${`JSONPath of ${v}`} placeholder="$.question" value=${chosen.jsonPath || ""}
          onInput=${(e) => set(v, { jsonPath: e.target.value })} /></td></tr>`;
    })}</tbody></table>`;
}

function OutputEditor({ output, onChange }) {
  const set = (changes) => onChange({ ...output, ...changes });
  return html`<div class="stack" aria-label="Score">
    <div class="inline-form">
      <label class="field"><span>Score type</span><select aria-label="Score type" value=${output.dataType} onChange=${(e) => set({ dataType: e.target.value })}>
        <option value="NUMERIC">number in a range</option><option value="BOOLEAN">true / false</option><option value="CATEGORICAL">one of some categories</option></select></label>
      ${output.dataType === "NUMERIC" ? html`
        <label class="field"><span>Minimum</span><input type="number" step="any" aria-label="Minimum" value=${output.minValue} onInput=${(e) => set({ minValue: e.target.value })} /></label>
        <label class="field"><span>Maximum</span><input type="number" step="any" aria-label="Maximum" value=${output.maxValue} onInput=${(e) => set({ maxValue: e.target.value })} /></label>` : null}
      ${output.dataType === "CATEGORICAL" ? html`<label class="field"><span>Categories</span>
        <input aria-label="Categories" placeholder="good, bad, unsure" value=${output.categories} onInput=${(e) => set({ categories: e.target.value })} /></label>` : null}
    </div>
    <div class="two-columns">
      <${Field} label="What the score means"><textarea rows="2" aria-label="What the score means" value=${output.scoreValueInstructions}
        onInput=${(e) => set({ scoreValueInstructions: e.target.value })}></textarea><//>
      <${Field} label="How to reason"><textarea rows="2" aria-label="How to reason" value=${output.scoreReasoningInstructions}
        onInput=${(e) => set({ scoreReasoningInstructions: e.target.value })}></textarea><//>
    </div>
  </div>`;
}

/** The editor of a new evaluator (``evaluator`` null) or of a saved one. */
function EvaluatorEditor({ projectId, project, evaluator, start, onSaved }) {
  const [draft, setDraft] = useState(() => draftOf(evaluator || start));
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(null);
  const [saving, setSaving] = useState(false);
  const { connections, error: connectionsError } = useConnections(projectId);
  const canWrite = roleAllows(project.role, "MEMBER");
  // With one connection and no model chosen yet, choose the connection's first model.
  useEffect(() => {
    if (!draft.model.provider && connections.length === 1) {
      const only = connections[0];
      setDraft((d) => ({ ...d, model: { provider: only.provider, model: modelsOf(only)[0] || "" } }));
    }
  }, [connections.length]);
  const update = (changes) => {
    setSaved(null);
    setDraft((d) => ({ ...d, ...changes }));
  };
  const variables = variablesOf(draft.messages.map((m) => m.content));
  const save = async (event) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const body = { name: draft.name.trim(), description: draft.description.trim() || null, ...definitionOf(draft) };
      const result = evaluator
        ? await api.patch(evalsPath(projectId, `/evaluators/${encodeURIComponent(evaluator.id)}`), body)
        : await api.post(evalsPath(projectId, "/evaluators"), body);
      setSaved(result);
      onSaved(result);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return html`<div class="stack">
    <form class="panel stack" onSubmit=${save} aria-label="Evaluator">
      <div class="two-columns">
        <${Field} label="Name"><input aria-label="Name" required value=${draft.name} onInput=${(e) => update({ name: e.target.value })} /><//>
        <${Field} label="Description"><input aria-label="Description" value=${draft.description} onInput=${(e) => update({ description: e.target.value })} /><//>
      </div>
      <h4>Prompt</h4>
      <${MessagesEditor} messages=${draft.messages} onChange=${(messages) => update({ messages })} />
      <h4>Variables</h4>
      <p class="muted small">Where a rule reads each variable by default (a rule may map them its own way).</p>
      <${MappingEditor} variables=${variables} mapping=${draft.mapping} onChange=${(mapping) => update({ mapping })} />
      <h4>Score</h4>
      <${OutputEditor} output=${draft.output} onChange=${(output) => update({ output })} />
      <h4>Judge model</h4>
      <${ErrorBox} error=${connectionsError} />
      <${ModelPicker} projectId=${projectId} connections=${connections} value=${draft.model} idPrefix="judge-model"
        onChange=${(model) => update({ model })} />
      <${ErrorBox} error=${error} />
      ${saved ? html`<${Notice} kind="success">Saved as version ${saved.version}.<//>` : null}
      ${canWrite ? html`<div class="inline-form"><button type="submit" class="primary" disabled=${saving}>
        ${saving ? "Saving…" : evaluator ? "Save new version" : "Create evaluator"}</button></div>` : null}
    </form>
    <${PreviewPanel} projectId=${projectId} canRun=${canWrite} draft=${() => definitionOf(draft)} />
  </div>`;
}

function Versions({ projectId, evaluator }) {
  const versions = useApi(evalsPath(projectId, `/evaluators/${encodeURIComponent(evaluator.id)}/versions`), { v: evaluator.version });
  const items = (versions.data && versions.data.items) || [];
  return html`<section class="panel" aria-label="Version history">
    <h3>Versions</h3>
    <${ErrorBox} error=${versions.error} />
    <ul class="plain version-list">${items.map((v) => html`<li key=${v.id} aria-label=${`Version ${v.version}`}>
      <details><summary><${Badge}>v${v.version}<//> ${v.version === evaluator.version ? html`<${Badge} kind="current">current<//>` : null}
        <span class="muted small"> ${formatTime(v.createdAt)} · ${outputSummary(v.outputDefinition)}
        ${v.modelConfig ? ` · ${v.modelConfig.provider} / ${v.modelConfig.model}` : ""}</span></summary>
        ${v.prompt.map((m) => html`<div class="message role-${m.role}"><div class="role">${m.role}</div><pre class="raw">${m.content}</pre></div>`)}
      </details></li>`)}</ul>
  </section>`;
}

export function NewEvaluatorPage({ projectId, project, query }) {
  const catalogue = useApi(evalsPath(projectId, "/evaluator-templates"));
  const [start, setStart] = useState(null);
  const chosen = query.get("template");
  if (catalogue.error) return html`<div class="page"><${ErrorBox} error=${catalogue.error} retry=${catalogue.reload} /></div>`;
  if (!catalogue.data) return html`<${Spinner} />`;
  const templates = catalogue.data.data;
  const from = start || (chosen ? templates.find((t) => t.name === chosen) || null : null);
  const picking = !start && !chosen;
  return html`<div class="page">
    <${PageHeader} title="New evaluator" subtitle=${picking ? "Start from a template of the catalogue, or from scratch"
      : from && from.name ? `From the ${from.name} template` : "From scratch"}>
      <a href=${evalsUrl(projectId, "evaluators")}>All evaluators</a>
    <//>
    ${picking ? html`<section class="cards" aria-label="Templates">
      ${templates.map((t) => html`<div class="card" key=${t.name}><div class="value">${t.name}</div>
        <p class="muted small">${t.description}</p>
        <button class="small" aria-label=${`Use ${t.name}`} onClick=${() => setStart(t)}>Use template</button></div>`)}
      <div class="card"><div class="value">Blank</div><p class="muted small">Write the prompt and the score yourself.</p>
        <button class="small" onClick=${() => setStart({})}>Start from scratch</button></div>
    </section>` : html`<${EvaluatorEditor} key=${from && from.name ? from.name : "blank"} projectId=${projectId} project=${project} evaluator=${null}
        start=${from} onSaved=${(made) => navigate(evalsUrl(projectId, "evaluators", made.id))} />`}
  </div>`;
}

export function EvaluatorPage({ projectId, project, params }) {
  const detail = useApi(evalsPath(projectId, `/evaluators/${encodeURIComponent(params.evaluatorId)}`));
  const [error, setError] = useState(null);
  if (detail.error) return html`<div class="page"><${ErrorBox} error=${detail.error} retry=${detail.reload} /></div>`;
  if (!detail.data) return html`<${Spinner} />`;
  const evaluator = detail.data;
  const remove = async () => {
    if (!confirm(`Delete ${evaluator.name}, its versions and its rule assignments?`)) return;
    try {
      await api.del(evalsPath(projectId, `/evaluators/${encodeURIComponent(evaluator.id)}`));
      navigate(evalsUrl(projectId, "evaluators"));
    } catch (e) {
      setError(e);
    }
  };
  return html`<div class="page">
    <${PageHeader} title=${evaluator.name} subtitle=${`Version ${evaluator.version} · used by ${evaluator.evaluationRuleAssignments.length} rule(s)`}>
      <a href=${evalsUrl(projectId, "evaluators")}>All evaluators</a>
      ${roleAllows(project.role, "MEMBER") ? html`<button class="danger" onClick=${remove}>Delete</button>` : null}
    <//>
    <${ErrorBox} error=${error} />
    <${EvaluatorEditor} key=${evaluator.versionId} projectId=${projectId} project=${project} evaluator=${evaluator}
      onSaved=${() => detail.reload()} />
    <${Versions} projectId=${projectId} evaluator=${evaluator} />
  </div>`;
}
