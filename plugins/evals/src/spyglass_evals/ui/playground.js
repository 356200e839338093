// The prompt playground: pick a prompt and a version (read through the prompts plugin's
// API), fill its variables, pick an LLM connection and a model, run it, and open the
// call, traced into the project as "playground". Messages can also be written by hand.
// ``?prompt=<name>&version=<n>`` preselects a prompt version.

import {
  html, useEffect, useState, api, useApi, setQuery, roleAllows, formatNumber,
  ErrorBox, Field, Notice, PageHeader,
} from "/static/app/ui.js";
import { ModelPicker, evalsPath, evalsUrl, fillVariables, modelsOf, useConnections, variablesOf } from "./common.js";

const ROLES = ["system", "user", "assistant"];

/** A stored prompt version as editable messages; placeholders stay as ``{placeholder}``. */
function messagesOf(version) {
  if (typeof version.prompt === "string") return [{ role: "user", content: version.prompt }];
  return version.prompt.map((m) => (m.type === "placeholder" ? { placeholder: m.name } : { role: m.role, content: m.content }));
}

/** The messages sent: variables filled, each placeholder replaced by the messages given for it. */
function compile(messages, values) {
  return messages.flatMap((m) => {
    if (!m.placeholder) return [{ role: m.role, content: fillVariables(m.content, values) }];
    const text = (values[m.placeholder] || "").trim();
    if (!text) return [];
    let given;
    try {
      given = JSON.parse(text);
    } catch {
      throw new Error(`Placeholder ${m.placeholder}: give a JSON list of {"role", "content"} messages`);
    }
    if (!Array.isArray(given)) throw new Error(`Placeholder ${m.placeholder}: give a JSON list of messages`);
    return given.map((g) => ({ role: g.role, content: typeof g.content === "string" ? g.content : JSON.stringify(g.content) }));
  });
}

function PromptPicker({ projectId, name, version, onPick }) {
  const prompts = useApi(evalsPath(projectId, "/prompts"), { limit: 100 });
  const detail = useApi(name ? evalsPath(projectId, "/prompt") : null, { name });
  const versions = (detail.data && detail.data.versions) || [];
  useEffect(() => {
    if (!versions.length) return;
    const chosen = versions.find((v) => v.version === version) || versions[0];
    onPick(chosen);
  }, [detail.data, version]);
  if (prompts.error && prompts.error.status === 404) {
    return html`<${Notice}>The prompts feature is not installed: write the messages below.<//>`;
  }
  return html`<div class="inline-form">
    <label class="field"><span>Prompt</span><select aria-label="Prompt" value=${name || ""}
      onChange=${(e) => setQuery({ prompt: e.target.value || undefined, version: undefined })}>
      <option value="">Write messages by hand</option>
      ${((prompts.data && prompts.data.items) || []).map((p) => html`<option value=${p.name}>${p.name}</option>`)}
    </select></label>
    ${name ? html`<label class="field"><span>Version</span><select aria-label="Version" value=${version || (versions[0] && versions[0].version) || ""}
      onChange=${(e) => setQuery({ prompt: name, version: e.target.value })}>
      ${versions.map((v) => html`<option value=${v.version}>v${v.version}${v.labels.length ? ` (${v.labels.join(", ")})` : ""}</option>`)}
    </select></label>` : null}
    <${ErrorBox} error=${prompts.error || detail.error} />
  </div>`;
}

function MessageList({ messages, onChange }) {
  const set = (index, changes) => onChange(messages.map((m, i) => (i === index ? { ...m, ...changes } : m)));
  return html`<div class="stack" aria-label="Messages">
    ${messages.map((m, index) => (m.placeholder
      ? html`<div class="message" key=${index}><div class="role">placeholder ${m.placeholder}</div>
          <span class="muted small">Filled with the messages given for it below.</span></div>`
      : html`<div class="message role-${m.role}" key=${index}>
          <div class="inline-form"><select aria-label=${`Role of message ${index + 1}`} value=${m.role}
            onChange=${(e) => set(index, { role: e.target.value })}>${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}</select>
            ${messages.length > 1 ? html`<button type="button" class="link small" onClick=${() => onChange(messages.filter((_, i) => i !== index))}>Remove</button>` : null}</div>
          <textarea aria-label=${`Message ${index + 1}`} rows="4" value=${m.content} onInput=${(e) => set(index, { content: e.target.value })}></textarea>
        </div>`))}
    <div><button type="button" class="small" onClick=${() => onChange([...messages, { role: "user", content: "" }])}>Add message</button></div>
  </div>`;
}

export function PlaygroundPage({ projectId, project, query }) {
  const name = query.get("prompt") || "";
  const version = Number(query.get("version")) || null;
  const [picked, setPicked] = useState(null);
  const [messages, setMessages] = useState([{ role: "user", content: "" }]);
  const [values, setValues] = useState({});
  const [model, setModel] = useState({ provider: "", model: "" });
  const [temperature, setTemperature] = useState("");
  const [maxTokens, setMaxTokens] = useState("");
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [running, setRunning] = useState(false);
  const { connections, error: connectionsError } = useConnections(projectId);
  useEffect(() => {
    if (!model.provider && connections.length) setModel({ provider: connections[0].provider, model: modelsOf(connections[0])[0] || "" });
  }, [connections.length]);
  const pick = (chosen) => {
    setPicked(chosen);
    setMessages(messagesOf(chosen));
    setResult(null);
    const config = chosen.config || {};
    if (typeof config.model === "string") setModel((m) => ({ ...m, model: config.model }));
    if (typeof config.temperature === "number") setTemperature(String(config.temperature));
  };
  const variables = variablesOf(messages.filter((m) => !m.placeholder).map((m) => m.content));
  const placeholders = messages.filter((m) => m.placeholder).map((m) => m.placeholder);
  const canRun = roleAllows(project.role, "MEMBER");
  const run = async (event) => {
    event.preventDefault();
    setRunning(true);
    setError(null);
    setResult(null);
    try {
      const params = {};
      if (temperature !== "") params.temperature = Number(temperature);
      if (maxTokens !== "") params.max_tokens = Number(maxTokens);
      setResult(await api.post(evalsPath(projectId, "/llm-completions"), {
        provider: model.provider,
        model: model.model.trim(),
        messages: compile(messages, values),
        params,
        promptName: name && picked ? name : null,
        promptVersion: name && picked ? picked.version : null,
      }));
    } catch (e) {
      setError(e);
    } finally {
      setRunning(false);
    }
  };
  return html`<div class="page">
    <${PageHeader} title="Playground" subtitle="Run a prompt version against an LLM connection; every run is traced into the project." />
    <form class="stack" onSubmit=${run} aria-label="Playground">
      <div class="panel stack">
        <${PromptPicker} projectId=${projectId} name=${name} version=${version} onPick=${pick} />
        <${MessageList} messages=${messages} onChange=${setMessages} />
      </div>
      ${variables.length || placeholders.length ? html`<div class="panel stack" aria-label="Variables">
        <h4>Variables</h4>
        ${variables.map((v) => html`<${Field} label=${v} key=${v}><textarea rows="2" aria-label=${`Variable ${v}`} value=${values[v] || ""}
          onInput=${(e) => setValues({ ...values, [v]: e.target.value })}></textarea><//>`)}
        ${placeholders.map((p) => html`<${Field} label=${`${p} (messages as JSON)`} key=${`p-${p}`}><textarea rows="3" aria-label=${`Placeholder ${p}`}
          placeholder='[{"role": "user", "content": "…"}]' value=${values[p] || ""}
          onInput=${(e) => setValues({ ...values, [p]: e.target.value })}></textarea><//>`)}
      </div>` : null}
      <div class="panel stack">
        <${ErrorBox} error=${connectionsError} />
        <${ModelPicker} projectId=${projectId} connections=${connections} value=${model} onChange=${setModel} idPrefix="playground-model" />
        <div class="inline-form">
          <label class="field"><span>Temperature</span><input type="number" min="0" max="2" step="0.1" aria-label="Temperature"
            value=${temperature} onInput=${(e) => setTemperature(e.target.value)} /></label>
          <label class="field"><span>Max tokens</span><input type="number" min="1" aria-label="Max tokens"
            value=${maxTokens} onInput=${(e) => setMaxTokens(e.target.value)} /></label>
        </div>
        <div class="inline-form"><button type="submit" class="primary" disabled=${!canRun || running || !model.provider || !model.model.trim()}>
          ${running ? "Running…" : "Run"}</button>
          ${canRun ? null : html`<span class="muted small">Running a prompt takes the member role.</span>`}</div>
      </div>
    </form>
    <${ErrorBox} error=${error} />
    ${result ? html`<section class="panel stack" aria-label="Answer">
      <h3>Answer</h3>
      <pre class="raw" aria-label="Answer text">${result.text}</pre>
      <div class="muted small">${result.model}${result.usage
        ? ` · ${formatNumber(result.usage.inputTokens)} input + ${formatNumber(result.usage.outputTokens)} output tokens` : ""}</div>
      ${result.traceId ? html`<a href=${evalsUrl(projectId, "traces", result.traceId)}>Open the traced call</a>`
        : html`<span class="muted small">Not traced: no installed plugin traces calls.</span>`}
    </section>` : null}
  </div>`;
}
