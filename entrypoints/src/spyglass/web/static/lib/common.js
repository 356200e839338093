// Helpers every page uses: roles, project URLs, the page header, the settings frame.

import { h } from "../vendor/preact.js";
import htm from "../vendor/htm.js";

const html = htm.bind(h);

const ROLES = ["VIEWER", "MEMBER", "ADMIN", "OWNER"];

/** True when ``role`` is at least ``needed`` (VIEWER < MEMBER < ADMIN < OWNER). */
export function roleAllows(role, needed) {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** The URL of a page of the project: ``projectUrl(id, "traces", traceId)``. */
export function projectUrl(projectId, ...parts) {
  const rest = parts.filter((p) => p !== undefined && p !== null && p !== "").map((p) => encodeURIComponent(p));
  return `/project/${encodeURIComponent(projectId)}${rest.length ? `/${rest.join("/")}` : ""}`;
}

/** A page header with a title and actions on the right. */
export function PageHeader({ title, subtitle, children }) {
  return html`<header class="page-header">
    <div><h1>${title}</h1>${subtitle ? html`<div class="muted">${subtitle}</div>` : null}</div>
    <div class="actions">${children}</div>
  </header>`;
}

/** The settings page frame with its tabs; plugins wrap their settings pages in it. */
export function SettingsFrame({ projectId, project, settingsTabs: tabs, active, children }) {
  return html`<div class="page">
    <${PageHeader} title="Settings" subtitle=${`${project.organizationName} / ${project.name}`} />
    <nav class="tabs" aria-label="Settings">
      ${tabs.map((tab) => html`<a class=${tab.path === active ? "active" : ""} href=${projectUrl(projectId, ...tab.path.split("/"))}>${tab.label}</a>`)}
    </nav>
    <div class="tab-body">${children}</div>
  </div>`;
}

