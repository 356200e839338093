// Settings → LLM connections: the project's model providers. Admins add or replace one
// (PUT, by provider) and delete it; the secret key is write-only (shown masked).

import {
  html, useState, api, roleAllows, formatTime, DataTable, ErrorBox, Field, Notice, SettingsFrame,
} from "/static/app/ui.js";
import { evalsPath, modelsOf, useConnections } from "./common.js";

function splitList(text) {
  return String(text || "").split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
}

/** "Name: value" lines into an object; a header's value may be a secret, so it is write-only too. */
function parseHeaders(text) {
  const headers = {};
  for (const line of String(text || "").split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf(":");
    if (at < 1) throw new Error(`Extra headers: "${line.trim()}" is not "Name: value"`);
    headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

function ConnectionForm({ projectId, editing, onDone, onCancel }) {
  const [error, setError] = useState(null);
  const [saving, setSaving] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    setError(null);
    setSaving(true);
    try {
      const headers = parseHeaders(form.get("extraHeaders"));
      await api.put(evalsPath(projectId, "/llm-connections"), {
        provider: String(form.get("provider") || "").trim(),
        adapter: form.get("adapter"),
        secretKey: String(form.get("secretKey") || ""),
        baseURL: String(form.get("baseURL") || "").trim() || null,
        customModels: splitList(form.get("customModels")),
        withDefaultModels: form.get("withDefaultModels") === "on",
        extraHeaders: Object.keys(headers).length ? headers : null,
      });
      event.target.reset();
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return html`<form class="panel stack" onSubmit=${submit} aria-label="LLM connection">
    <h3>${editing ? `Replace ${editing.provider}` : "Add a connection"}</h3>
    <div class="two-columns">
      <${Field} label="Provider" hint="A name of your choice, unique in the project (openai, my-gateway…)">
        <input name="provider" aria-label="Provider" required defaultValue=${editing ? editing.provider : ""} readOnly=${Boolean(editing)} /><//>
      <${Field} label="Adapter" hint="openai covers any OpenAI-compatible API (Azure OpenAI, vLLM, Ollama, LiteLLM); anthropic is Anthropic's Messages API">
        <select name="adapter" aria-label="Adapter">${["openai", "anthropic"].map((a) => html`<option value=${a}
          selected=${(editing ? editing.adapter : "openai") === a}>${a}</option>`)}</select><//>
    </div>
    <div class="two-columns">
      <${Field} label="Secret key" hint=${editing ? "Required again: the stored key is never shown" : "Stored encrypted; never shown again"}>
        <input name="secretKey" aria-label="Secret key" type="password" required autocomplete="off" /><//>
      <${Field} label="Base URL" hint="Empty: the provider's public API (https://api.openai.com/v1, https://api.anthropic.com)">
        <input name="baseURL" aria-label="Base URL" placeholder="https://api.openai.com/v1" defaultValue=${editing ? editing.baseURL || "" : ""} /><//>
    </div>
    <div class="two-columns">
      <${Field} label="Custom models" hint="Comma or line separated">
        <textarea name="customModels" aria-label="Custom models" rows="2" defaultValue=${editing ? editing.customModels.join(", ") : ""}></textarea><//>
      <${Field} label="Extra headers" hint=${editing && editing.extraHeaderKeys.length ? `Replaces ${editing.extraHeaderKeys.join(", ")}; one "Name: value" a line` : 'One "Name: value" a line'}>
        <textarea name="extraHeaders" aria-label="Extra headers" rows="2"></textarea><//>
    </div>
    <label><input type="checkbox" name="withDefaultModels" defaultChecked=${editing ? editing.withDefaultModels : true} /> Suggest the adapter's default models</label>
    <${ErrorBox} error=${error} />
    <div class="inline-form"><button type="submit" class="primary" disabled=${saving}>${saving ? "Saving…" : "Save connection"}</button>
      ${onCancel ? html`<button type="button" onClick=${onCancel}>Cancel</button>` : null}</div>
  </form>`;
}

export function ConnectionsPage(props) {
  const { projectId, project } = props;
  const { connections, error, loading, reload } = useConnections(projectId);
  const [editing, setEditing] = useState(null);
  const [actionError, setActionError] = useState(null);
  const admin = roleAllows(project.role, "ADMIN");
  const remove = async (connection) => {
    if (!confirm(`Delete the connection ${connection.provider}? Evaluators and rules using it stop working.`)) return;
    try {
      await api.del(evalsPath(projectId, `/llm-connections/${encodeURIComponent(connection.id)}`));
      reload();
    } catch (e) {
      setActionError(e);
    }
  };
  const columns = [
    { id: "provider", label: "Provider", width: "1fr", render: (c) => c.provider },
    { id: "adapter", label: "Adapter", width: "100px", render: (c) => c.adapter },
    { id: "baseURL", label: "Base URL", width: "2fr", render: (c) => c.baseURL || html`<span class="muted">default</span>` },
    { id: "key", label: "Secret key", width: "120px", render: (c) => html`<span class="mono">${c.displaySecretKey}</span>` },
    { id: "models", label: "Models", width: "2fr", render: (c) => modelsOf(c).join(", ") },
    { id: "updated", label: "Updated", width: "170px", render: (c) => formatTime(c.updatedAt) },
  ];
  if (admin) {
    columns.push({ id: "actions", label: "", width: "150px", render: (c) => html`<span class="inline-form">
      <button class="small" onClick=${() => setEditing(c)}>Replace</button>
      <button class="small danger" aria-label=${`Delete ${c.provider}`} onClick=${() => remove(c)}>Delete</button></span>` });
  }
  return html`<${SettingsFrame} ...${props} active="settings/llm-connections">
    <p class="muted">The model providers evaluators and the playground call. Keys are encrypted at rest and never shown again.</p>
    <${ErrorBox} error=${error || actionError} retry=${reload} />
    <div class="table-box short"><${DataTable} columns=${columns} rows=${connections} loading=${loading}
      empty="No LLM connections yet." /></div>
    ${admin
      ? html`<${ConnectionForm} key=${editing ? editing.id : "new"} projectId=${projectId} editing=${editing}
          onDone=${() => { setEditing(null); reload(); }} onCancel=${editing ? () => setEditing(null) : null} />`
      : html`<${Notice}>Only admins add, replace or delete connections.<//>`}
  <//>`;
}
