// One dataset item: its current version (editable), archive / restore, and every version
// it had with the time it was valid from and to.

import {
  html, useState, api, useApi, roleAllows,
  Badge, ContentView, ErrorBox, Field, Notice, PageHeader, Spinner, formatTime, projectUrl,
} from "/static/app/ui.js";
import { asText, datasetUrl, fromText, itemPath, jsonField } from "./common.js";

function EditItem({ projectId, item, onDone }) {
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await api.patch(itemPath(projectId, item.id), {
        input: fromText(form.get("input")),
        expectedOutput: fromText(form.get("expectedOutput")),
        metadata: jsonField("Metadata", form.get("metadata")),
      });
      setError(null);
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return html`<form class="panel stack" onSubmit=${submit} aria-label="Edit item">
    <h3>Edit: saving makes a new version</h3>
    <div class="two-columns">
      <${Field} label="Input"><textarea name="input" rows="6" defaultValue=${asText(item.input)}></textarea><//>
      <${Field} label="Expected output"><textarea name="expectedOutput" rows="6" defaultValue=${asText(item.expectedOutput)}></textarea><//>
    </div>
    <${Field} label="Metadata (JSON)"><textarea name="metadata" rows="2" defaultValue=${asText(item.metadata)}></textarea><//>
    <${ErrorBox} error=${error} />
    <div class="inline-form"><button type="submit" class="primary">Save new version</button></div>
  </form>`;
}

function Version({ version }) {
  return html`<li class="panel version" aria-label=${`Version ${version.version}`}>
    <div class="inline-form">
      <strong>v${version.version}</strong>
      ${version.validTo ? null : html`<${Badge} kind="score">current<//>`}
      ${version.status === "ARCHIVED" ? html`<${Badge}>archived<//>` : null}
      <span class="muted small">valid from ${formatTime(version.validFrom)} to ${version.validTo ? formatTime(version.validTo) : "now"}</span>
    </div>
    <div class="two-columns">
      <${ContentView} label="Input" value=${version.input} />
      <${ContentView} label="Expected output" value=${version.expectedOutput} />
    </div>
    ${version.metadata !== null && version.metadata !== undefined ? html`<${ContentView} label="Metadata" value=${version.metadata} />` : null}
  </li>`;
}

export function ItemPage({ projectId, project, params }) {
  const detail = useApi(itemPath(projectId, params.itemId));
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState(null);
  if (detail.error) return html`<div class="page"><${ErrorBox} error=${detail.error} retry=${detail.reload} /></div>`;
  if (!detail.data) return html`<${Spinner} />`;
  const { current, versions } = detail.data;
  const canWrite = roleAllows(project.role, "MEMBER") && current;
  const setStatus = async (status) => {
    try {
      await api.patch(itemPath(projectId, current.id), { status });
      detail.reload();
    } catch (e) {
      setError(e);
    }
  };
  const source = current && current.sourceTraceId
    ? html`<a href=${`${projectUrl(projectId, "traces", current.sourceTraceId)}${current.sourceObservationId ? `?observation=${encodeURIComponent(current.sourceObservationId)}` : ""}`}>source trace</a>`
    : null;
  return html`<div class="page">
    <${PageHeader} title=${`Item ${detail.data.id}`} subtitle=${`${detail.data.datasetName} · ${versions.length} version${versions.length === 1 ? "" : "s"}`}>
      ${source}
      <a href=${datasetUrl(projectId, detail.data.datasetId)}>Back to dataset</a>
      ${canWrite ? html`<button onClick=${() => setEditing(!editing)}>${editing ? "Close editor" : "Edit"}</button>` : null}
      ${canWrite ? html`<button onClick=${() => setStatus(current.status === "ARCHIVED" ? "ACTIVE" : "ARCHIVED")}>
        ${current.status === "ARCHIVED" ? "Restore" : "Archive"}</button>` : null}
    <//>
    ${current ? null : html`<${Notice} kind="warning">This item was deleted; its versions stay readable.<//>`}
    <${ErrorBox} error=${error} />
    ${editing && current ? html`<${EditItem} projectId=${projectId} item=${current} onDone=${() => { setEditing(false); detail.reload(); }} />` : null}
    <h3>Version history</h3>
    <ul class="plain versions" aria-label="Version history">${versions.map((v) => html`<${Version} key=${v.version} version=${v} />`)}</ul>
  </div>`;
}
