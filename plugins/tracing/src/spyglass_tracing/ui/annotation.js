// Annotation queues: create a queue with score configs, then work through its items one
// by one (keyboard: s skips, o opens the trace), completing each with scores.

import {
  html, useEffect, useState, api, useApi, projectPath, projectUrl, navigate, roleAllows, useHotkeys,
  DataTable, ErrorBox, Notice, PageHeader, Spinner, ContentView, Badge, formatTime, formatNumber,
} from "/static/app/ui.js";
import { ScoreValueInput, scoreBody } from "./annotate.js";

function NewQueue({ projectId, onCreated }) {
  const configs = useApi(projectPath(projectId, "/score-configs"));
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await api.post(projectPath(projectId, "/annotation-queues"), {
        name: form.get("name"), description: form.get("description") || null, scoreConfigIds: form.getAll("scoreConfigIds"),
      });
      event.target.reset();
      onCreated();
    } catch (e) {
      setError(e);
    }
  };
  const active = (configs.data || []).filter((c) => !c.isArchived);
  return html`<form class="stack panel" onSubmit=${submit} aria-label="New annotation queue">
    <h3>New queue</h3>
    <${ErrorBox} error=${error} />
    <input name="name" required placeholder="Queue name" aria-label="Queue name" />
    <input name="description" placeholder="What annotators should look for" aria-label="Description" />
    <div class="muted">Score configs annotators fill in:</div>
    ${active.length === 0 ? html`<div class="muted">No score configs yet: create them under Settings → Score configs.</div>` : null}
    <div class="inline-form">${active.map((c) => html`<label key=${c.id}><input type="checkbox" name="scoreConfigIds" value=${c.id} /> ${c.name}</label>`)}</div>
    <div><button class="primary" type="submit">Create queue</button></div>
  </form>`;
}

export function QueuesPage({ projectId, project }) {
  const queues = useApi(projectPath(projectId, "/annotation-queues"));
  const rows = Array.isArray(queues.data) ? queues.data : (queues.data && queues.data.items) || [];
  const columns = [
    { id: "name", label: "Queue", width: "1.5fr", render: (q) => q.name },
    { id: "description", label: "Description", width: "2fr", render: (q) => q.description || "" },
    { id: "pending", label: "Pending", width: "90px", align: "right", render: (q) => formatNumber(q.pendingCount) },
    { id: "completed", label: "Completed", width: "100px", align: "right", render: (q) => formatNumber(q.completedCount) },
    { id: "created", label: "Created", width: "170px", render: (q) => formatTime(q.createdAt) },
  ];
  return html`<div class="page">
    <${PageHeader} title="Annotation queues" subtitle="Review traces and observations by hand, one item at a time." />
    <${ErrorBox} error=${queues.error} />
    <div class="table-box short"><${DataTable} columns=${columns} rows=${rows} loading=${queues.loading}
      empty="No queues yet." onRowClick=${(q) => navigate(projectUrl(projectId, "annotation-queues", q.id))} /></div>
    ${roleAllows(project.role, "MEMBER") ? html`<${NewQueue} projectId=${projectId} onCreated=${queues.reload} />` : null}
  </div>`;
}

function QueueObject({ projectId, item }) {
  const isTrace = item.objectType === "TRACE";
  const path = isTrace ? `/traces/${encodeURIComponent(item.objectId)}`
    : item.objectType === "OBSERVATION" ? `/observations/${encodeURIComponent(item.objectId)}`
    : `/sessions/${encodeURIComponent(item.objectId)}`;
  const object = useApi(projectPath(projectId, path));
  if (object.error) return html`<${ErrorBox} error=${object.error} />`;
  if (!object.data) return html`<${Spinner} />`;
  if (item.objectType === "SESSION") {
    return html`<div class="stack">${(object.data.traces || []).map((t) => html`<div class="turn-body">
      <${ContentView} label="Input" value=${t.input} /><${ContentView} label="Output" value=${t.output} /></div>`)}</div>`;
  }
  return html`<div class="stack">
    <${ContentView} label="Input" value=${object.data.input} />
    <${ContentView} label="Output" value=${object.data.output} />
  </div>`;
}

function traceLink(projectId, item) {
  if (item.objectType === "TRACE") return projectUrl(projectId, "traces", item.objectId);
  if (item.objectType === "SESSION") return projectUrl(projectId, "sessions", item.objectId);
  return item.traceId ? `${projectUrl(projectId, "traces", item.traceId)}?observation=${encodeURIComponent(item.objectId)}` : null;
}

export function QueuePage({ projectId, project, params }) {
  const base = projectPath(projectId, `/annotation-queues/${encodeURIComponent(params.queueId)}`);
  const queue = useApi(base);
  const [after, setAfter] = useState(null);
  const [current, setCurrent] = useState({ loading: true });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const loadNext = async (afterId) => {
    setCurrent({ loading: true });
    try {
      setCurrent({ loading: false, ...(await api.get(`${base}/next`, { after: afterId || undefined })) });
    } catch (e) {
      setCurrent({ loading: false, item: null });
      setError(e);
    }
  };
  useEffect(() => { loadNext(after); }, [after]);
  const item = current.item;
  useHotkeys((event) => {
    if (!item) return;
    if (event.key === "s") setAfter(item.id);
    if (event.key === "o") {
      const link = traceLink(projectId, item);
      if (link) navigate(link);
    }
  }, [item && item.id]);
  if (queue.error) return html`<div class="page"><${ErrorBox} error=${queue.error} /></div>`;
  if (!queue.data) return html`<${Spinner} />`;
  const q = queue.data.queue || queue.data;
  const configs = queue.data.scoreConfigs || [];
  const canWrite = roleAllows(project.role, "MEMBER");
  const complete = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const scores = configs.map((config) => {
      const raw = form.get(`score-${config.id}`);
      if (raw === null || raw === "") return null;
      const body = scoreBody(config, raw);
      const score = { configId: config.id, comment: form.get(`comment-${config.id}`) || null };
      if (typeof body.value === "string") score.stringValue = body.value;
      else score.value = body.value;
      return score;
    }).filter(Boolean);
    setBusy(true);
    setError(null);
    try {
      await api.post(`${base}/items/${encodeURIComponent(item.id)}/complete`, { scores });
      queue.reload();
      loadNext(after);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="page">
    <${PageHeader} title=${q.name} subtitle=${q.description || ""}>
      <a href=${projectUrl(projectId, "annotation-queues")}>All queues</a>
    <//>
    <${ErrorBox} error=${error} />
    ${current.loading ? html`<${Spinner} />` : !item
      ? html`<${Notice} kind="success">Nothing left to annotate in this queue.${after ? html` <button class="link" onClick=${() => setAfter(null)}>Start over with skipped items</button>` : null}<//>`
      : html`<div class="annotate-grid">
        <div class="stack">
          <div class="muted">Item ${current.position} of ${current.total} · ${current.pendingCount} pending · <${Badge}>${item.objectType}<//>
            <code>${item.objectId}</code> ${traceLink(projectId, item) ? html`· <a href=${traceLink(projectId, item)}>open (o)</a>` : null}</div>
          <${QueueObject} key=${item.id} projectId=${projectId} item=${item} />
        </div>
        <form class="panel stack" onSubmit=${complete} key=${item.id} aria-label="Annotate item">
          <h3>Scores</h3>
          ${configs.map((config) => html`<label class="field" key=${config.id}><span>${config.name}</span>
            <${ScoreValueInput} config=${config} name=${`score-${config.id}`} optional=${true} label=${config.name} />
            <input name=${`comment-${config.id}`} placeholder="Comment (optional)" aria-label=${`Comment on ${config.name}`} /></label>`)}
          ${canWrite ? html`<div class="inline-form">
            <button class="primary" type="submit" disabled=${busy}>Complete and next</button>
            <button type="button" onClick=${() => setAfter(item.id)}>Skip (s)</button></div>`
            : html`<${Notice} kind="warning">Your role (${project.role}) can view this queue but not annotate.<//>`}
        </form>
      </div>`}
  </div>`;
}

/** "Add to annotation queue" for a trace or observation. */
export function AddToQueue({ projectId, objectType, objectId }) {
  const queues = useApi(projectPath(projectId, "/annotation-queues"));
  const [message, setMessage] = useState(null);
  const rows = Array.isArray(queues.data) ? queues.data : (queues.data && queues.data.items) || [];
  if (rows.length === 0) return null;
  const add = async (queueId) => {
    if (!queueId) return;
    try {
      await api.post(projectPath(projectId, `/annotation-queues/${encodeURIComponent(queueId)}/items`), { objectType, objectIds: [objectId] });
      setMessage(`Added to ${rows.find((q) => q.id === queueId).name}`);
    } catch (e) {
      setMessage(e.message);
    }
  };
  return html`<span class="inline-form">
    <select aria-label="Add to annotation queue" onChange=${(e) => { add(e.target.value); e.target.value = ""; }}>
      <option value="">Add to queue…</option>${rows.map((q) => html`<option value=${q.id}>${q.name}</option>`)}</select>
    ${message ? html`<span class="muted small">${message}</span>` : null}
  </span>`;
}
