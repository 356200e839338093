// Shared by the evals pages: API paths, models of a connection, prompt variables,
// and the connection + model picker.

import { html, projectPath, projectUrl, useApi } from "/static/app/ui.js";

export const evalsPath = (projectId, path) => projectPath(projectId, path);
export const evalsUrl = (projectId, ...parts) => projectUrl(projectId, ...parts);

// Suggestions only: any model name the provider knows may be typed.
const DEFAULT_MODELS = {
  openai: ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini"],
  anthropic: ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"],
};

/** The model names to suggest for a connection: its custom models, then the adapter's. */
export function modelsOf(connection) {
  if (!connection) return [];
  const defaults = connection.withDefaultModels ? DEFAULT_MODELS[connection.adapter] || [] : [];
  return [...new Set([...(connection.customModels || []), ...defaults])];
}

// The server's rule (spyglass_evals.domain.judge): a letter, then letters, digits, _ . -
const VARIABLE = /{{\s*([A-Za-z][A-Za-z0-9_.\-]*)\s*}}/g;

/** The ``{{variables}}`` of some texts, in first-use order. */
export function variablesOf(texts) {
  const found = [];
  for (const text of texts) {
    for (const match of String(text || "").matchAll(VARIABLE)) {
      if (!found.includes(match[1])) found.push(match[1]);
    }
  }
  return found;
}

/** ``text`` with each ``{{name}}`` replaced by its value (unfilled ones are left as they are). */
export function fillVariables(text, values) {
  return String(text || "").replace(VARIABLE, (whole, name) => (name in values ? values[name] : whole));
}

/** The project's LLM connections: {connections, error, loading, reload}. */
export function useConnections(projectId) {
  const answer = useApi(evalsPath(projectId, "/llm-connections"));
  return { connections: (answer.data && answer.data.items) || [], error: answer.error, loading: answer.loading, reload: answer.reload };
}

/**
 * A connection (by provider) and a model name (free text with suggestions).
 * ``value`` is {provider, model}; ``onChange`` gets the next value.
 */
export function ModelPicker({ projectId, connections, value, onChange, idPrefix = "model" }) {
  const current = connections.find((c) => c.provider === value.provider);
  const listId = `${idPrefix}-suggestions`;
  if (connections.length === 0) {
    return html`<div class="notice notice-warning" role="status">No LLM connection yet:
      <a href=${evalsUrl(projectId, "settings", "llm-connections")}>add one in the settings</a>.</div>`;
  }
  return html`<div class="inline-form">
    <label class="field"><span>LLM connection</span>
      <select aria-label="LLM connection" value=${value.provider || ""}
        onChange=${(e) => onChange({ ...value, provider: e.target.value })}>
        <option value="">Choose…</option>
        ${connections.map((c) => html`<option value=${c.provider}>${c.provider} (${c.adapter})</option>`)}
      </select></label>
    <label class="field"><span>Model</span>
      <input aria-label="Model" list=${listId} value=${value.model || ""} placeholder="model name"
        onInput=${(e) => onChange({ ...value, model: e.target.value })} />
      <datalist id=${listId}>${modelsOf(current).map((m) => html`<option value=${m} />`)}</datalist></label>
  </div>`;
}

/** A score value as the judge gave it. */
export function verdictText(value) {
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(3);
  return String(value);
}
