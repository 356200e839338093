// Datasets: the project's datasets and the "New dataset" dialog.

import {
  html, useState, api, usePaged, navigate, roleAllows,
  DataTable, Dialog, ErrorBox, Field, PageHeader, formatTime, relativeTime,
} from "/static/app/ui.js";
import { datasetsPath, datasetUrl, jsonField } from "./common.js";

function NewDataset({ projectId, onClose }) {
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      const created = await api.post(datasetsPath(projectId), {
        name: String(form.get("name") || "").trim(),
        description: String(form.get("description") || "").trim() || null,
        metadata: jsonField("Metadata", form.get("metadata")),
        inputSchema: jsonField("Input schema", form.get("inputSchema")),
        expectedOutputSchema: jsonField("Expected output schema", form.get("expectedOutputSchema")),
      });
      onClose();
      navigate(datasetUrl(projectId, created.id));
    } catch (e) {
      setError(e);
    }
  };
  return html`<${Dialog} open=${true} title="New dataset" onClose=${onClose}>
    <form class="stack" onSubmit=${submit} aria-label="New dataset">
      <${Field} label="Name" hint="Unique in the project; may contain /."><input name="name" required autofocus /><//>
      <${Field} label="Description"><input name="description" /><//>
      <${Field} label="Metadata (JSON)"><textarea name="metadata" rows="2" placeholder='{"team": "search"}'></textarea><//>
      <${Field} label="Input schema (JSON Schema)"><textarea name="inputSchema" rows="3"></textarea><//>
      <${Field} label="Expected output schema (JSON Schema)"><textarea name="expectedOutputSchema" rows="3"></textarea><//>
      <${ErrorBox} error=${error} />
      <div class="inline-form"><button type="submit" class="primary">Create dataset</button>
        <button type="button" onClick=${onClose}>Cancel</button></div>
    </form>
  <//>`;
}

export function DatasetsPage({ projectId, project }) {
  const list = usePaged(datasetsPath(projectId), {});
  const [creating, setCreating] = useState(false);
  const columns = [
    { id: "name", label: "Name", width: "2fr", render: (d) => d.name },
    { id: "description", label: "Description", width: "3fr", render: (d) => d.description || "" },
    { id: "created", label: "Created", width: "200px", render: (d) => formatTime(d.createdAt) },
    { id: "updated", label: "Updated", width: "120px", render: (d) => relativeTime(d.updatedAt) },
  ];
  return html`<div class="page full">
    <${PageHeader} title="Datasets" subtitle="Versioned test cases; runs of your application over them are experiments.">
      ${roleAllows(project.role, "MEMBER") ? html`<button class="primary" onClick=${() => setCreating(true)}>New dataset</button>` : null}
    <//>
    <${ErrorBox} error=${list.error} retry=${list.reload} />
    <div class="table-box"><${DataTable} columns=${columns} rows=${list.rows} loading=${list.loading}
      onEndReached=${list.more} onRowClick=${(d) => navigate(datasetUrl(projectId, d.id))}
      empty="No datasets yet. Create one here or with an SDK: langfuse.create_dataset(name=...)." /></div>
    ${creating ? html`<${NewDataset} projectId=${projectId} onClose=${() => setCreating(false)} />` : null}
  </div>`;
}
