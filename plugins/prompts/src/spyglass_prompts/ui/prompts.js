// Prompts: the list; one prompt's versions with labels; a diff between two versions;
// promoting a version to a label; composition references followed as links.
// One page: ``?name=`` selects a prompt, ``?version=`` a version, ``?compare=`` a diff.

import {
  html, useState, api, useApi, usePaged, projectPath, projectUrl, setQuery, roleAllows,
  DataTable, ErrorBox, PageHeader, Spinner, Badge, ChatView, JsonTree, Notice, formatTime, relativeTime,
} from "/static/app/ui.js";
import { diffLines } from "/static/app/vendor/diff/index.js";

function promptText(version) {
  if (typeof version.prompt === "string") return version.prompt;
  return version.prompt
    .map((m) => (m.type === "placeholder" ? `{{placeholder: ${m.name}}}` : `[${m.role}]\n${m.content}`))
    .join("\n\n");
}

function referenceUrl(projectId, dependency) {
  const base = `${projectUrl(projectId, "prompts")}?name=${encodeURIComponent(dependency.name)}`;
  if (dependency.version) return `${base}&version=${dependency.version}`;
  if (dependency.label) return `${base}&label=${encodeURIComponent(dependency.label)}`;
  return base;
}

function PromptList({ projectId, query }) {
  const [search, setSearch] = useState(query.get("search") || "");
  const list = usePaged(projectPath(projectId, "/prompts"), { search: query.get("search") || undefined });
  const columns = [
    { id: "name", label: "Name", width: "2fr", render: (p) => p.name },
    { id: "type", label: "Type", width: "80px", render: (p) => p.type },
    { id: "versions", label: "Versions", width: "90px", align: "right", render: (p) => p.versionCount },
    { id: "labels", label: "Labels", width: "2fr", render: (p) => p.labels.map((l) => html`<${Badge}>${l}<//>`) },
    { id: "tags", label: "Tags", render: (p) => p.tags.map((t) => html`<${Badge}>${t}<//>`) },
    { id: "updated", label: "Updated", width: "120px", render: (p) => relativeTime(p.updatedAt) },
  ];
  return html`<div class="page full">
    <${PageHeader} title="Prompts" subtitle="Versioned prompts the SDKs fetch by name and label." />
    <div class="filters"><input type="search" placeholder="Search prompt names…" aria-label="Search prompts" value=${search}
      onInput=${(e) => setSearch(e.target.value)} onKeyDown=${(e) => e.key === "Enter" && setQuery({ search: search || undefined })} /></div>
    <${ErrorBox} error=${list.error} />
    <div class="table-box"><${DataTable} columns=${columns} rows=${list.rows} rowKey=${(p) => p.name}
      loading=${list.loading} onEndReached=${list.more} empty="No prompts yet. Create one with an SDK: langfuse.create_prompt(...)."
      onRowClick=${(p) => setQuery({ name: p.name }, { replace: false })} /></div>
  </div>`;
}

function Diff({ from, to }) {
  const parts = diffLines(promptText(from), promptText(to));
  return html`<pre class="diff" aria-label=${`Diff v${from.version} to v${to.version}`}>${parts.map(
    (part) => html`<span class=${part.added ? "added" : part.removed ? "removed" : ""}>${part.value}</span>`,
  )}</pre>`;
}

function Promote({ projectId, name, version, onDone }) {
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const label = String(new FormData(event.target).get("label") || "").trim();
    if (!label) return;
    try {
      await api.post(projectPath(projectId, "/prompt-labels"), { name, version: version.version, labels: [label] });
      event.target.reset();
      setError(null);
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return html`<form class="inline-form" onSubmit=${submit} aria-label="Promote version">
    <input name="label" list="prompt-labels" placeholder="Label, e.g. production" aria-label="Label" required />
    <datalist id="prompt-labels"><option value="production" /><option value="staging" /></datalist>
    <button type="submit">Promote v${version.version} to label</button>
    <${ErrorBox} error=${error} />
  </form>`;
}

function chatForView(messages) {
  return messages.map((m) => (m.type === "placeholder" ? { role: "placeholder", content: `{{${m.name}}}` } : m));
}

function PromptDetail({ projectId, project, query }) {
  const name = query.get("name");
  const detail = useApi(projectPath(projectId, "/prompt"), { name });
  if (detail.error) return html`<div class="page"><${ErrorBox} error=${detail.error} /></div>`;
  if (!detail.data) return html`<${Spinner} />`;
  const prompt = detail.data;
  const versions = prompt.versions;
  const byLabel = query.get("label") && versions.find((v) => v.labels.includes(query.get("label")));
  const selected = versions.find((v) => String(v.version) === query.get("version")) || byLabel || versions[0];
  const compare = versions.find((v) => String(v.version) === query.get("compare"));
  const canWrite = roleAllows(project.role, "MEMBER");
  let body;
  if (compare) body = html`<${Diff} from=${compare} to=${selected} />`;
  else if (typeof selected.prompt === "string") body = html`<pre class="raw prompt-text">${selected.prompt}</pre>`;
  else body = html`<${ChatView} messages=${chatForView(selected.prompt)} />`;
  return html`<div class="page">
    <${PageHeader} title=${prompt.name} subtitle=${`${prompt.type} prompt · ${versions.length} versions`}>
      <a href=${projectUrl(projectId, "prompts")}>All prompts</a>
    <//>
    <div class="prompt-grid">
      <ul class="plain version-list" aria-label="Versions">
        ${versions.map((v) => html`<li key=${v.version}>
          <button class=${v.version === selected.version ? "active" : ""}
            onClick=${() => setQuery({ version: v.version, compare: undefined, label: undefined })}>
            <strong>v${v.version}</strong> ${v.labels.map((l) => html`<${Badge}>${l}<//>`)}
            <div class="muted small">${formatTime(v.createdAt)} · ${v.createdBy}</div>
            ${v.commitMessage ? html`<div class="small">${v.commitMessage}</div>` : null}
          </button></li>`)}
      </ul>
      <div class="stack">
        <div class="inline-form">
          <strong>Version ${selected.version}</strong> ${selected.labels.map((l) => html`<${Badge}>${l}<//>`)}
          <label class="muted">Compare with
            <select aria-label="Compare with" value=${compare ? compare.version : ""}
              onChange=${(e) => setQuery({ compare: e.target.value || undefined, version: selected.version })}>
              <option value="">(no diff)</option>
              ${versions.filter((v) => v.version !== selected.version).map((v) => html`<option value=${v.version}>v${v.version}</option>`)}
            </select></label>
        </div>
        ${body}
        ${selected.dependencies.length ? html`<div><h4>References</h4><ul class="plain">
          ${selected.dependencies.map((d) => html`<li><a href=${referenceUrl(projectId, d)}>${d.name}${d.version ? ` v${d.version}` : d.label ? ` @${d.label}` : ""}</a></li>`)}
        </ul></div>` : null}
        ${selected.config && Object.keys(selected.config).length ? html`<div><h4>Config</h4><${JsonTree} value=${selected.config} /></div>` : null}
        ${canWrite ? html`<${Promote} projectId=${projectId} name=${prompt.name} version=${selected} onDone=${detail.reload} />`
          : html`<${Notice} kind="warning">Your role (${project.role}) can read prompts but not promote versions.<//>`}
      </div>
    </div>
  </div>`;
}

export function PromptsPage(props) {
  return props.query.get("name") ? html`<${PromptDetail} ...${props} />` : html`<${PromptList} ...${props} />`;
}
