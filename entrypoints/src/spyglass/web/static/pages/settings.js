// Project settings: general, API keys, members and invitations; plugins add tabs
// (navigation entries with section "settings").

import {
  html, useState, api, useApi, projectPath, projectUrl, roleAllows, formatTime, relativeTime,
  DataTable, ErrorBox, Notice, CopyButton, SettingsFrame,
} from "../ui.js";
import { registerPage } from "../lib/registry.js";

const SHELL_TABS = [
  { path: "settings", label: "General" },
  { path: "settings/api-keys", label: "API keys" },
  { path: "settings/members", label: "Members" },
];

/** The tabs of the settings page: the shell's, then every plugin's settings entries. */
export function settingsTabs(manifest) {
  const plugin = manifest.plugins.flatMap((p) => p.navigation.filter((n) => n.section === "settings"));
  plugin.sort((a, b) => a.order - b.order || a.label.localeCompare(b.label));
  return [...SHELL_TABS, ...plugin.map((n) => ({ path: n.path, label: n.label }))];
}

function GeneralSettings(props) {
  const { project } = props;
  return html`<${SettingsFrame} ...${props} active="settings">
    <dl class="facts">
      <dt>Project</dt><dd>${project.name}</dd>
      <dt>Project id</dt><dd><code>${project.id}</code> <${CopyButton} text=${project.id} /></dd>
      <dt>Organization</dt><dd>${project.organizationName}</dd>
      <dt>Your role</dt><dd>${project.role}</dd>
    </dl>
    <h3>Send traces</h3>
    <p>Point any Langfuse SDK or OpenTelemetry exporter at this server with a key from the API keys tab:</p>
    <pre class="raw">LANGFUSE_BASE_URL=${location.origin}\nLANGFUSE_PUBLIC_KEY=pk-lf-…\nLANGFUSE_SECRET_KEY=sk-lf-…</pre>
  <//>`;
}

function ApiKeys(props) {
  const { projectId, project } = props;
  const allowed = roleAllows(project.role, "ADMIN");
  const keys = useApi(allowed ? projectPath(projectId, "/api-keys") : null);
  const [created, setCreated] = useState(null);
  const [error, setError] = useState(null);
  const create = async (event) => {
    event.preventDefault();
    const note = new FormData(event.target).get("note") || null;
    setError(null);
    try {
      setCreated(await api.post(projectPath(projectId, "/api-keys"), { note }));
      event.target.reset();
      keys.reload();
    } catch (e) {
      setError(e);
    }
  };
  const revoke = async (key) => {
    if (!confirm(`Revoke ${key.publicKey}? Clients using it stop working at once.`)) return;
    try {
      await api.del(projectPath(projectId, `/api-keys/${key.id}`));
      keys.reload();
    } catch (e) {
      setError(e);
    }
  };
  if (!allowed) {
    return html`<${SettingsFrame} ...${props} active="settings/api-keys">
      <${Notice} kind="warning">Your role (${project.role}) cannot view or create API keys. Ask an admin or owner of ${project.organizationName}.<//>
    <//>`;
  }
  const columns = [
    { id: "publicKey", label: "Public key", width: "2fr", render: (k) => html`<code>${k.publicKey}</code>` },
    { id: "secret", label: "Secret key", width: "1.4fr", render: (k) => html`<code>${k.displaySecretKey}</code>` },
    { id: "note", label: "Note", render: (k) => k.note || "" },
    { id: "created", label: "Created", render: (k) => formatTime(k.createdAt) },
    { id: "used", label: "Last used", render: (k) => (k.lastUsedAt ? relativeTime(k.lastUsedAt) : "never") },
    { id: "revoke", label: "", width: "90px", render: (k) => html`<button class="danger small" onClick=${() => revoke(k)}>Revoke</button>` },
  ];
  return html`<${SettingsFrame} ...${props} active="settings/api-keys">
    <${ErrorBox} error=${error || keys.error} />
    ${created ? html`<${Notice} kind="success">
      <strong>New key created.</strong> Copy the secret key now: it is shown only once.
      <pre class="raw">LANGFUSE_PUBLIC_KEY=${created.publicKey}\nLANGFUSE_SECRET_KEY=${created.secretKey}</pre>
      <${CopyButton} text=${created.secretKey} label="Copy secret key" />
    <//>` : null}
    <form class="inline-form" onSubmit=${create}>
      <input name="note" placeholder="Note (what the key is for)" maxlength="500" />
      <button class="primary" type="submit">Create API key</button>
    </form>
    <div class="table-box short">
      <${DataTable} columns=${columns} rows=${keys.data || []} loading=${keys.loading} empty="No API keys." />
    </div>
  <//>`;
}

const ROLE_OPTIONS = ["OWNER", "ADMIN", "MEMBER", "VIEWER"];

function Members(props) {
  const { project, session } = props;
  const orgPath = `/organizations/${encodeURIComponent(project.organizationId)}`;
  const admin = roleAllows(project.role, "ADMIN");
  const members = useApi(`${orgPath}/members`);
  const invitations = useApi(admin ? `${orgPath}/invitations` : null);
  const [link, setLink] = useState(null);
  const [error, setError] = useState(null);
  const act = async (work) => {
    setError(null);
    try {
      await work();
      members.reload();
      invitations.reload();
    } catch (e) {
      setError(e);
    }
  };
  const invite = (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    act(async () => {
      const created = await api.post(`${orgPath}/invitations`, { role: form.get("role"), email: form.get("email") || null });
      setLink(`${location.origin}${created.signUpPath}`);
    });
  };
  const roles = ROLE_OPTIONS.filter((r) => roleAllows(project.role, r));
  const columns = [
    { id: "email", label: "Email", width: "2fr", render: (m) => html`${m.email}${m.userId === session.user.id ? html` <span class="muted">(you)</span>` : null}` },
    { id: "name", label: "Name", render: (m) => m.name || "" },
    { id: "role", label: "Role", render: (m) => admin && m.userId !== session.user.id
      ? html`<select aria-label=${`Role of ${m.email}`} value=${m.role}
          onChange=${(e) => act(() => api.patch(`${orgPath}/members/${m.userId}`, { role: e.target.value }))}>
          ${ROLE_OPTIONS.map((r) => html`<option value=${r} disabled=${!roles.includes(r)}>${r}</option>`)}</select>`
      : m.role },
    { id: "since", label: "Member since", render: (m) => formatTime(m.createdAt) },
    { id: "remove", label: "", width: "90px", render: (m) => admin && m.userId !== session.user.id
      ? html`<button class="danger small" onClick=${() => confirm(`Remove ${m.email}?`) && act(() => api.del(`${orgPath}/members/${m.userId}`))}>Remove</button>` : null },
  ];
  return html`<${SettingsFrame} ...${props} active="settings/members">
    <${ErrorBox} error=${error || members.error} />
    <div class="table-box short"><${DataTable} columns=${columns} rows=${members.data || []} rowKey=${(m) => m.userId} loading=${members.loading} /></div>
    ${admin ? html`<h3>Invite someone</h3>
      <form class="inline-form" onSubmit=${invite}>
        <input name="email" type="email" placeholder="Email (optional: anyone with the link)" />
        <select name="role" aria-label="Role">${roles.map((r) => html`<option value=${r} selected=${r === "MEMBER"}>${r}</option>`)}</select>
        <button class="primary" type="submit">Create invitation link</button>
      </form>
      ${link ? html`<${Notice} kind="success">Send this link (single use, 7 days): <code>${link}</code> <${CopyButton} text=${link} /><//>` : null}
      <h3>Open invitations</h3>
      ${(invitations.data || []).length === 0 ? html`<p class="muted">None.</p>` : html`<ul class="plain">
        ${invitations.data.map((inv) => html`<li>${inv.email || "anyone with the link"} as ${inv.role}, expires ${formatTime(inv.expiresAt)}
          <button class="link small" onClick=${() => act(() => api.del(`${orgPath}/invitations/${inv.id}`))}>Withdraw</button></li>`)}
      </ul>`}` : html`<p class="muted">Only admins and owners can invite people or change roles.</p>`}
  <//>`;
}

export function registerShellPages() {
  registerPage("settings", GeneralSettings, { title: "Settings" });
  registerPage("settings/api-keys", ApiKeys, { title: "API keys" });
  registerPage("settings/members", Members, { title: "Members" });
}
