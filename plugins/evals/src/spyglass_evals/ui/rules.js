// Evaluation rules: the list, and the editor of a new or existing rule (target, filters,
// sampling, delay, and the evaluators it runs with their variable mappings).

import {
  html, useState, api, useApi, usePaged, navigate, roleAllows, relativeTime,
  Badge, DataTable, ErrorBox, Field, PageHeader, Spinner,
} from "/static/app/ui.js";
import { evalsPath, evalsUrl } from "./common.js";

export const TARGETS = [
  { id: "observation", label: "Observations" },
  { id: "trace", label: "Traces" },
  { id: "session", label: "Sessions" },
  { id: "experiment_item", label: "Experiment run items" },
];
const SOURCES = ["input", "output", "metadata", "tool_calls", "expected_output", "experiment_item_metadata"];
const CODE = "code:";

/** active, paused (Spyglass stopped it, with the reason) or disabled (by a person). */
export function RuleStatus({ rule }) {
  if (rule.enabled) return html`<${Badge} kind="ok">active<//>`;
  if (rule.pausedReason) return html`<${Badge} kind="warn" title=${rule.pausedReason}>paused<//>`;
  return html`<${Badge}>disabled<//>`;
}

/** The evaluators a rule runs, by name (an id or ``code:<name>`` when unknown). */
export function assignmentNames(rule, evaluators) {
  return rule.evaluatorAssignments.map((a) => {
    if (a.codeEvaluator) return `${CODE}${a.codeEvaluator}`;
    const known = evaluators.find((e) => e.id === a.evaluatorId);
    return known ? known.name : a.evaluatorId;
  });
}

/** The project's evaluators (first 100) and the installed code evaluators. */
export function useEvaluatorChoices(projectId) {
  const judges = useApi(evalsPath(projectId, "/evaluators"), { limit: 100 });
  const catalogue = useApi(evalsPath(projectId, "/evaluator-templates"));
  return {
    judges: (judges.data && judges.data.items) || [],
    code: (catalogue.data && catalogue.data.codeEvaluators) || [],
    error: judges.error || catalogue.error,
    loading: judges.loading || catalogue.loading,
  };
}

function namesFilter(filters, column) {
  const found = filters.find((f) => f.column === column && f.type === "stringOptions" && f.operator === "any of");
  return found ? found.value.join(", ") : "";
}

function draftOf(rule) {
  const r = rule || { evaluatorAssignments: [], filter: [], sampling: 1, delaySeconds: 0, enabled: true };
  const filters = r.filter || [];
  const simple = (f) => f.type === "stringOptions" && f.operator === "any of" && (f.column === "traceName" || f.column === "name");
  const extra = filters.filter((f) => !simple(f));
  return {
    name: r.name || "",
    target: r.target || "observation",
    enabled: r.enabled !== false,
    samplingPercent: Math.round((r.sampling ?? 1) * 1000) / 10,
    delaySeconds: r.delaySeconds || 0,
    traceNames: namesFilter(filters, "traceName"),
    observationNames: namesFilter(filters, "name"),
    extraFilters: extra.length ? JSON.stringify(extra, null, 2) : "",
    assignments: r.evaluatorAssignments.map((a) => ({
      key: a.codeEvaluator ? CODE + a.codeEvaluator : a.evaluatorId,
      scoreName: a.scoreName || "",
      useDefault: !a.variableMapping,
      mapping: Object.fromEntries((a.variableMapping || []).map((m) => [m.variable, { source: m.source, jsonPath: m.jsonPath || "" }])),
      config: a.config ? JSON.stringify(a.config) : "",
    })),
  };
}

function splitNames(text) {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

function ruleBody(draft, choices) {
  const filter = [];
  const traceNames = splitNames(draft.traceNames);
  if (traceNames.length) filter.push({ type: "stringOptions", column: "traceName", operator: "any of", value: traceNames });
  const observationNames = splitNames(draft.observationNames);
  if (draft.target === "observation" && observationNames.length) {
    filter.push({ type: "stringOptions", column: "name", operator: "any of", value: observationNames });
  }
  if (draft.extraFilters.trim()) {
    let extra;
    try {
      extra = JSON.parse(draft.extraFilters);
    } catch {
      throw new Error("More conditions: not valid JSON (a list of filter conditions)");
    }
    if (!Array.isArray(extra)) throw new Error("More conditions: give a JSON list of filter conditions");
    filter.push(...extra);
  }
  const evaluatorAssignments = draft.assignments.filter((a) => a.key).map((a) => {
    const variables = variablesFor(a.key, choices);
    const item = a.key.startsWith(CODE) ? { codeEvaluator: a.key.slice(CODE.length) } : { evaluatorId: a.key };
    if (a.key.startsWith(CODE) && a.config.trim()) {
      try {
        item.config = JSON.parse(a.config);
      } catch {
        throw new Error(`Configuration of ${a.key}: not valid JSON`);
      }
    }
    item.variableMapping = a.useDefault ? null : variables.map((variable) => {
      const chosen = a.mapping[variable] || {};
      const m = { variable, source: chosen.source || (SOURCES.includes(variable) ? variable : "input") };
      if (chosen.jsonPath && chosen.jsonPath.trim()) m.jsonPath = chosen.jsonPath.trim();
      return m;
    });
    if (a.scoreName.trim()) item.scoreName = a.scoreName.trim();
    return item;
  });
  return {
    name: draft.name.trim(),
    enabled: draft.enabled,
    target: draft.target,
    sampling: Math.min(100, Math.max(0, Number(draft.samplingPercent))) / 100,
    delaySeconds: Number(draft.delaySeconds) || 0,
    filter,
    evaluatorAssignments,
  };
}

function variablesFor(key, choices) {
  if (!key) return [];
  if (key.startsWith(CODE)) {
    const spec = choices.code.find((c) => c.name === key.slice(CODE.length));
    return spec ? spec.variables : [];
  }
  const judge = choices.judges.find((e) => e.id === key);
  return judge ? judge.variables : [];
}

function AssignmentEditor({ assignment, choices, onChange, onRemove, index }) {
  const variables = variablesFor(assignment.key, choices);
  const set = (changes) => onChange({ ...assignment, ...changes });
  const setMapping = (variable, changes) => set({ mapping: { ...assignment.mapping, [variable]: { ...(assignment.mapping[variable] || {}), ...changes } } });
  const code = assignment.key.startsWith(CODE);
  return html`<div class="panel stack" aria-label=${`Evaluator ${index + 1}`}>
    <div class="inline-form">
      <label class="field"><span>Evaluator</span><select aria-label="Evaluator" value=${assignment.key} onChange=${(e) => set({ key: e.target.value, mapping: {} })}>
        <option value="">Choose…</option>
        <optgroup label="LLM-as-a-judge">${choices.judges.map((e) => html`<option value=${e.id}>${e.name}</option>`)}</optgroup>
        <optgroup label="Code evaluators">${choices.code.map((c) => html`<option value=${CODE + c.name}>${c.name}</option>`)}</optgroup>
      </select></label>
      <label class="field"><span>Score name</span><input aria-label="Score name" placeholder="the evaluator's name"
        value=${assignment.scoreName} onInput=${(e) => set({ scoreName: e.target.value })} /></label>
      <button type="button" class="link small" onClick=${onRemove}>Remove</button>
    </div>
    ${code ? html`<${Field} label="Configuration (JSON)"><input aria-label="Configuration" placeholder='{"pattern": "^ok"}'
      value=${assignment.config} onInput=${(e) => set({ config: e.target.value })} /><//>` : null}
    ${variables.length ? html`<label><input type="checkbox" checked=${assignment.useDefault}
        onChange=${(e) => set({ useDefault: e.target.checked })} /> ${code ? "Each variable from the source of the same name" : "Use the evaluator's default mapping"}</label>` : null}
    ${variables.length && !assignment.useDefault ? html`<table class="compare-summary" aria-label="Variable mapping">
      <thead><tr><th>Variable</th><th>Source</th><th>JSONPath (optional)</th></tr></thead><tbody>
      ${variables.map((v) => html`<tr key=${v}><td class="mono">${v}</td>
        <td><select aria-label=${`Source of ${v}`} value=${(assignment.mapping[v] || {}).source || (SOURCES.includes(v) ? v : "input")}
          onChange=${(e) => setMapping(v, { source: e.target.value })}>${SOURCES.map((s) => html`<option value=${s}>${s}</option>`)}</select></td>
        <td><input aria-label=${`JSONPath of ${v}`} value=${(assignment.mapping[v] || {}).jsonPath || ""}
          onInput=${(e) => setMapping(v, { jsonPath: e.target.value })} /></td></tr>`)}
      </tbody></table>` : null}
  </div>`;
}

/** The form of a new rule (``rule`` null) or of an existing one; ``onSaved(rule)``. */
export function RuleEditor({ projectId, rule, onSaved, onCancel }) {
  const [draft, setDraft] = useState(() => draftOf(rule));
  const [error, setError] = useState(null);
  const [saving, setSaving] = useState(false);
  const choices = useEvaluatorChoices(projectId);
  const set = (changes) => setDraft((d) => ({ ...d, ...changes }));
  const setAssignment = (index, next) => set({ assignments: draft.assignments.map((a, i) => (i === index ? next : a)) });
  const save = async (event) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const body = ruleBody(draft, choices);
      const saved = rule
        ? await api.patch(evalsPath(projectId, `/evaluation-rules/${encodeURIComponent(rule.id)}`), body)
        : await api.post(evalsPath(projectId, "/evaluation-rules"), body);
      onSaved(saved);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  if (choices.loading && !choices.judges.length) return html`<${Spinner} />`;
  return html`<form class="stack" onSubmit=${save} aria-label="Evaluation rule">
    <div class="panel stack">
      <div class="two-columns">
        <${Field} label="Name"><input aria-label="Name" required value=${draft.name} onInput=${(e) => set({ name: e.target.value })} /><//>
        <${Field} label="Evaluate"><select aria-label="Target" value=${draft.target} onChange=${(e) => set({ target: e.target.value })}>
          ${TARGETS.map((t) => html`<option value=${t.id}>${t.label}</option>`)}</select><//>
      </div>
      <div class="two-columns">
        <${Field} label="Trace names" hint="Comma separated; empty: any trace"><input aria-label="Trace names" value=${draft.traceNames}
          onInput=${(e) => set({ traceNames: e.target.value })} /><//>
        ${draft.target === "observation" ? html`<${Field} label="Observation names" hint="Comma separated; empty: any observation">
          <input aria-label="Observation names" value=${draft.observationNames} onInput=${(e) => set({ observationNames: e.target.value })} /><//>` : html`<div></div>`}
      </div>
      <${Field} label="More conditions (JSON)" hint='The read API filter language, e.g. [{"type": "arrayOptions", "column": "tags", "operator": "any of", "value": ["prod"]}]'>
        <textarea aria-label="More conditions" rows="2" value=${draft.extraFilters} onInput=${(e) => set({ extraFilters: e.target.value })}></textarea><//>
      <div class="inline-form">
        <label class="field"><span>Sampling (%)</span><input type="number" min="0" max="100" step="any" aria-label="Sampling"
          value=${draft.samplingPercent} onInput=${(e) => set({ samplingPercent: e.target.value })} /></label>
        <label class="field"><span>Delay (seconds)</span><input type="number" min="0" max="86400" aria-label="Delay"
          value=${draft.delaySeconds} onInput=${(e) => set({ delaySeconds: e.target.value })} /></label>
        <label><input type="checkbox" checked=${draft.enabled} onChange=${(e) => set({ enabled: e.target.checked })} /> Active</label>
      </div>
    </div>
    <h3>Evaluators</h3>
    <${ErrorBox} error=${choices.error} />
    ${draft.assignments.map((a, index) => html`<${AssignmentEditor} key=${index} index=${index} assignment=${a} choices=${choices}
      onChange=${(next) => setAssignment(index, next)} onRemove=${() => set({ assignments: draft.assignments.filter((_, i) => i !== index) })} />`)}
    <div><button type="button" onClick=${() => set({ assignments: [...draft.assignments, { key: "", scoreName: "", useDefault: true, mapping: {}, config: "" }] })}>
      Add evaluator</button></div>
    <${ErrorBox} error=${error} />
    <div class="inline-form"><button type="submit" class="primary" disabled=${saving}>${saving ? "Saving…" : rule ? "Save rule" : "Create rule"}</button>
      ${onCancel ? html`<button type="button" onClick=${onCancel}>Cancel</button>` : null}</div>
  </form>`;
}

export function RulesPage({ projectId, project }) {
  const list = usePaged(evalsPath(projectId, "/evaluation-rules"), {});
  const choices = useEvaluatorChoices(projectId);
  const columns = [
    { id: "name", label: "Name", width: "2fr", render: (r) => r.name },
    { id: "target", label: "Evaluates", width: "130px", render: (r) => (TARGETS.find((t) => t.id === (r.target || "observation")) || {}).label },
    { id: "status", label: "Status", width: "2fr", render: (r) => html`<${RuleStatus} rule=${r} />${r.pausedReason
      ? html` <span class="muted small">${r.pausedReason}</span>` : null}` },
    { id: "sampling", label: "Sampling", width: "90px", align: "right", render: (r) => `${Math.round(r.sampling * 1000) / 10}%` },
    { id: "evaluators", label: "Evaluators", width: "2fr", render: (r) => assignmentNames(r, choices.judges).join(", ") },
    { id: "delay", label: "Delay", width: "80px", align: "right", render: (r) => `${r.delaySeconds}s` },
    { id: "updated", label: "Updated", width: "110px", render: (r) => relativeTime(r.updatedAt) },
  ];
  return html`<div class="page full">
    <${PageHeader} title="Evaluation rules" subtitle="Which traces, observations, sessions or experiment items are scored, how often, by which evaluators.">
      <a href=${evalsUrl(projectId, "evaluators")}>Evaluators</a>
      ${roleAllows(project.role, "MEMBER") ? html`<button class="primary" onClick=${() => navigate(evalsUrl(projectId, "evaluation-rules", "new"))}>New rule</button>` : null}
    <//>
    <${ErrorBox} error=${list.error} retry=${list.reload} />
    <div class="table-box"><${DataTable} columns=${columns} rows=${list.rows} loading=${list.loading}
      onEndReached=${list.more} onRowClick=${(r) => navigate(evalsUrl(projectId, "evaluation-rules", r.id))}
      empty="No evaluation rules yet." /></div>
  </div>`;
}

export function NewRulePage({ projectId }) {
  return html`<div class="page">
    <${PageHeader} title="New evaluation rule"><a href=${evalsUrl(projectId, "evaluation-rules")}>All rules</a><//>
    <${RuleEditor} projectId=${projectId} rule=${null} onSaved=${(made) => navigate(evalsUrl(projectId, "evaluation-rules", made.id))} />
  </div>`;
}
