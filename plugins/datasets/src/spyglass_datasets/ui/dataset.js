// One dataset: its items (keyset-paged table, new item, archive) and its runs (pick two
// or more to compare). ``?tab=runs`` selects the runs tab.

import {
  html, useState, api, useApi, usePaged, navigate, setQuery, roleAllows,
  Badge, DataTable, ErrorBox, Field, Notice, PageHeader, Spinner, Tabs, formatNumber, formatTime, relativeTime,
} from "/static/app/ui.js";
import { Preview, datasetPath, datasetUrl, fromText, itemPath, jsonField } from "./common.js";

function NewItem({ projectId, datasetId, onDone }) {
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await api.post(datasetPath(projectId, datasetId, "/items"), {
        id: String(form.get("id") || "").trim() || null,
        input: fromText(form.get("input")),
        expectedOutput: fromText(form.get("expectedOutput")),
        metadata: jsonField("Metadata", form.get("metadata")),
      });
      event.target.reset();
      setError(null);
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return html`<form class="panel stack" onSubmit=${submit} aria-label="New item">
    <h3>New item</h3>
    <div class="two-columns">
      <${Field} label="Input" hint="JSON, or plain text"><textarea name="input" rows="4" required></textarea><//>
      <${Field} label="Expected output" hint="JSON, or plain text"><textarea name="expectedOutput" rows="4"></textarea><//>
    </div>
    <div class="two-columns">
      <${Field} label="Metadata (JSON)"><textarea name="metadata" rows="2"></textarea><//>
      <${Field} label="Id" hint="Optional; generated when empty"><input name="id" /><//>
    </div>
    <${ErrorBox} error=${error} />
    <div class="inline-form"><button type="submit" class="primary">Add item</button></div>
  </form>`;
}

const IMPORT_TYPES = { csv: "text/csv", jsonl: "application/x-ndjson", ndjson: "application/x-ndjson" };

/** Upload a CSV or JSONL file of items: all rows or none, with the failing rows listed. */
function ImportItems({ projectId, datasetId, onDone }) {
  const [outcome, setOutcome] = useState(null);
  const [busy, setBusy] = useState(false);
  const choose = async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    const extension = file.name.split(".").pop().toLowerCase();
    const type = IMPORT_TYPES[extension];
    if (!type) {
      setOutcome({ failed: true, message: "Choose a .csv, .jsonl or .ndjson file" });
      return;
    }
    setBusy(true);
    setOutcome(null);
    try {
      const done = await api.upload(datasetPath(projectId, datasetId, "/items/import"), file, type);
      setOutcome({ failed: false, message: `Imported ${formatNumber(done.imported)} items from ${file.name}` });
      onDone();
    } catch (e) {
      const report = e.payload && Array.isArray(e.payload.errors) ? e.payload : null;
      setOutcome({ failed: true, message: report ? `Nothing imported from ${file.name}: fix these rows` : e.message, report });
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="stack">
    <label class="button-like">${busy ? "Importing…" : "Import CSV / JSONL"}
      <input type="file" accept=".csv,.jsonl,.ndjson" hidden disabled=${busy} onChange=${choose} aria-label="Import items" /></label>
    ${outcome ? html`<div role="status" aria-label="Import result" class=${outcome.failed ? "notice notice-error" : "notice notice-success"}>
      <div>${outcome.message}</div>
      ${outcome.report ? html`<ul aria-label="Import errors">
        ${outcome.report.errors.map((r) => html`<li>Row ${r.row}${r.field ? ` (${r.field})` : ""}: ${r.message}</li>`)}
        ${outcome.report.moreErrors ? html`<li>…and ${outcome.report.moreErrors} more</li>` : null}
      </ul>` : null}
    </div>` : null}
  </div>`;
}

function ItemsTab({ projectId, project, dataset, query, reload }) {
  const archived = query.get("archived") === "1";
  const items = usePaged(datasetPath(projectId, dataset.id, "/items"), { includeArchived: archived || undefined });
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState(null);
  const canWrite = roleAllows(project.role, "MEMBER");
  const setStatus = async (item, status) => {
    try {
      await api.patch(itemPath(projectId, item.id), { status });
      items.reload();
      reload();
    } catch (e) {
      setError(e);
    }
  };
  const columns = [
    { id: "id", label: "Id", width: "minmax(120px, 1fr)", render: (i) => html`<span class="mono">${i.id}</span>` },
    { id: "input", label: "Input", width: "3fr", render: (i) => html`<${Preview} value=${i.input} />` },
    { id: "expected", label: "Expected output", width: "3fr", render: (i) => html`<${Preview} value=${i.expectedOutput} />` },
    { id: "status", label: "Status", width: "100px", render: (i) => (i.status === "ARCHIVED" ? html`<${Badge}>archived<//>` : "active") },
    { id: "version", label: "Version", width: "80px", align: "right", render: (i) => i.version },
    { id: "updated", label: "Updated", width: "110px", render: (i) => relativeTime(i.updatedAt) },
  ];
  if (canWrite) {
    columns.push({
      id: "actions", label: "", width: "90px",
      render: (i) => html`<button class="small" onClick=${(e) => { e.stopPropagation(); setStatus(i, i.status === "ARCHIVED" ? "ACTIVE" : "ARCHIVED"); }}>
        ${i.status === "ARCHIVED" ? "Restore" : "Archive"}</button>`,
    });
  }
  return html`<div class="stack grow">
    <div class="filters">
      <label><input type="checkbox" checked=${archived} onChange=${(e) => setQuery({ archived: e.target.checked ? "1" : undefined })} /> Show archived</label>
      ${canWrite ? html`<button onClick=${() => setAdding(!adding)}>${adding ? "Close form" : "New item"}</button>` : null}
      <a class="button-like" href=${`/api/internal${datasetPath(projectId, dataset.id, "/items/export")}`} download>Export JSONL</a>
    </div>
    ${canWrite ? html`<${ImportItems} projectId=${projectId} datasetId=${dataset.id} onDone=${() => { items.reload(); reload(); }} />` : null}
    ${adding ? html`<${NewItem} projectId=${projectId} datasetId=${dataset.id} onDone=${() => { items.reload(); reload(); }} />` : null}
    <${ErrorBox} error=${items.error || error} />
    <div class="table-box"><${DataTable} columns=${columns} rows=${items.rows} loading=${items.loading}
      onEndReached=${items.more} onRowClick=${(i) => navigate(datasetUrl(projectId, dataset.id, "items", i.id))}
      empty="No items yet." /></div>
  </div>`;
}

function RunsTab({ projectId, project, dataset, reload }) {
  const runs = usePaged(datasetPath(projectId, dataset.id, "/runs"), {});
  const [picked, setPicked] = useState([]);
  const [error, setError] = useState(null);
  const toggle = (id) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-10)));
  const remove = async (run) => {
    if (!confirm(`Delete run "${run.name}" and its run items? The traces stay.`)) return;
    try {
      await api.del(datasetPath(projectId, dataset.id, `/runs/${encodeURIComponent(run.id)}`));
      setPicked((p) => p.filter((x) => x !== run.id));
      runs.reload();
      reload();
    } catch (e) {
      setError(e);
    }
  };
  const columns = [
    { id: "pick", label: "", width: "40px", render: (r) => html`<input type="checkbox" aria-label=${`Pick ${r.name}`}
        checked=${picked.includes(r.id)} onClick=${(e) => e.stopPropagation()} onChange=${() => toggle(r.id)} />` },
    { id: "name", label: "Run", width: "2fr", render: (r) => r.name },
    { id: "description", label: "Description", width: "2fr", render: (r) => r.description || "" },
    { id: "items", label: "Run items", width: "100px", align: "right", render: (r) => formatNumber(r.itemCount) },
    { id: "created", label: "Created", width: "200px", render: (r) => formatTime(r.createdAt) },
  ];
  if (roleAllows(project.role, "MEMBER")) {
    columns.push({ id: "delete", label: "", width: "80px",
      render: (r) => html`<button class="small danger" onClick=${(e) => { e.stopPropagation(); remove(r); }}>Delete</button>` });
  }
  const compare = () => navigate(`${datasetUrl(projectId, dataset.id, "compare")}?runs=${picked.map(encodeURIComponent).join(",")}`);
  return html`<div class="stack grow">
    <div class="filters">
      <button class="primary" disabled=${picked.length < 2} onClick=${compare}>Compare ${picked.length ? `(${picked.length})` : ""}</button>
      <span class="muted small">Pick two or more runs (at most 10) to compare them side by side.</span>
    </div>
    <${ErrorBox} error=${runs.error || error} />
    <div class="table-box"><${DataTable} columns=${columns} rows=${runs.rows} loading=${runs.loading}
      onEndReached=${runs.more} onRowClick=${(r) => toggle(r.id)}
      empty="No runs yet. An SDK makes one: item.link(trace, run_name) or run_experiment(...)." /></div>
  </div>`;
}

export function DatasetPage(props) {
  const { projectId, params, query } = props;
  const detail = useApi(datasetPath(projectId, params.datasetId));
  if (detail.error) return html`<div class="page"><${ErrorBox} error=${detail.error} retry=${detail.reload} /></div>`;
  if (!detail.data) return html`<${Spinner} />`;
  const dataset = detail.data;
  const tab = query.get("tab") === "runs" ? "runs" : "items";
  const tabs = [
    { id: "items", label: `Items (${formatNumber(dataset.itemCount)})` },
    { id: "runs", label: `Runs (${formatNumber(dataset.runCount)})` },
  ];
  const body = { projectId, project: props.project, dataset, query, reload: detail.reload };
  return html`<div class="page full">
    <${PageHeader} title=${dataset.name} subtitle=${dataset.description || `Created ${formatTime(dataset.createdAt)}`}>
      <a href=${datasetUrl(projectId)}>All datasets</a>
    <//>
    ${dataset.inputSchema || dataset.expectedOutputSchema
      ? html`<${Notice}>Items are checked against this dataset's ${[dataset.inputSchema && "input", dataset.expectedOutputSchema && "expected output"].filter(Boolean).join(" and ")} schema.<//>` : null}
    <${Tabs} tabs=${tabs} active=${tab} onChange=${(id) => setQuery({ tab: id === "items" ? undefined : id })} />
    ${tab === "items" ? html`<${ItemsTab} ...${body} />` : html`<${RunsTab} ...${body} />`}
  </div>`;
}
