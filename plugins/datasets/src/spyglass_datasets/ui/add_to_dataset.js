// "Add to dataset" on the trace page (a trace action, see index.js): a dialog to pick a
// dataset and turn the trace's or observation's input/output into a new item, keeping
// the trace and observation as the item's source.

import { html, useState, api, useApi, Dialog, ErrorBox, Field, Notice, Spinner } from "/static/app/ui.js";
import { asText, datasetPath, datasetUrl, datasetsPath, fromText, jsonField } from "./common.js";

export function AddToDataset({ ctx, onClose }) {
  const datasets = useApi(datasetsPath(ctx.projectId), { limit: 100 });
  const [error, setError] = useState(null);
  const [created, setCreated] = useState(null);
  const target = ctx.observationId ? "observation" : "trace";
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const datasetId = String(form.get("dataset") || "");
    try {
      const item = await api.post(datasetPath(ctx.projectId, datasetId, "/items"), {
        input: fromText(form.get("input")),
        expectedOutput: fromText(form.get("expectedOutput")),
        metadata: jsonField("Metadata", form.get("metadata")),
        sourceTraceId: ctx.traceId,
        sourceObservationId: ctx.observationId || null,
      });
      setCreated({ item, datasetId });
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  const options = (datasets.data && datasets.data.items) || [];
  let body;
  if (created) {
    body = html`<${Notice} kind="success">Item added.
      <a href=${datasetUrl(ctx.projectId, created.datasetId, "items", created.item.id)}>Open the item</a><//>
      <div class="inline-form"><button onClick=${onClose}>Close</button></div>`;
  } else if (!datasets.data) {
    body = datasets.error ? html`<${ErrorBox} error=${datasets.error} />` : html`<${Spinner} />`;
  } else if (options.length === 0) {
    body = html`<${Notice}>No datasets yet. <a href=${datasetUrl(ctx.projectId)}>Create one</a> first.<//>`;
  } else {
    body = html`<form class="stack" onSubmit=${submit} aria-label="Add to dataset">
      <${Field} label="Dataset"><select name="dataset" required>
        ${options.map((d) => html`<option value=${d.id}>${d.name}</option>`)}</select><//>
      <${Field} label="Input" hint=${`From the ${target}'s input; JSON or plain text`}>
        <textarea name="input" rows="6" defaultValue=${asText(ctx.input)}></textarea><//>
      <${Field} label="Expected output" hint=${`From the ${target}'s output; edit it into the answer you expect`}>
        <textarea name="expectedOutput" rows="6" defaultValue=${asText(ctx.output)}></textarea><//>
      <${Field} label="Metadata (JSON)"><textarea name="metadata" rows="2"></textarea><//>
      <${ErrorBox} error=${error} />
      <div class="inline-form"><button type="submit" class="primary">Add item</button>
        <button type="button" onClick=${onClose}>Cancel</button></div>
    </form>`;
  }
  return html`<${Dialog} open=${true} title=${`Add ${target} to a dataset`} onClose=${onClose}>${body}<//>`;
}
