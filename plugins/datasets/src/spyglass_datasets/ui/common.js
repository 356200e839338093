// Shared by the datasets pages: API paths, JSON-or-text fields, small views.

import { html, projectPath, projectUrl, truncate } from "/static/app/ui.js";

export const datasetsPath = (projectId, rest = "") => projectPath(projectId, `/datasets${rest}`);
export const datasetPath = (projectId, datasetId, rest = "") =>
  datasetsPath(projectId, `/${encodeURIComponent(datasetId)}${rest}`);
export const itemPath = (projectId, itemId) => projectPath(projectId, `/dataset-items/${encodeURIComponent(itemId)}`);
export const datasetUrl = (projectId, datasetId, ...rest) => projectUrl(projectId, "datasets", datasetId, ...rest);

/** A value as editable text: strings as they are, anything else as indented JSON. */
export function asText(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

/** Text typed into a field as a value: JSON when it parses, else the text; empty is null. */
export function fromText(text) {
  const trimmed = (text || "").trim();
  if (!trimmed) return null;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

/** Parse a field that must be JSON (schemas, metadata); throws a readable error. */
export function jsonField(label, text) {
  const trimmed = (text || "").trim();
  if (!trimmed) return null;
  try {
    return JSON.parse(trimmed);
  } catch {
    throw new Error(`${label} must be JSON`);
  }
}

/** A one-line preview of a value for table cells. */
export function Preview({ value }) {
  if (value === null || value === undefined) return html`<span class="muted">—</span>`;
  return html`<span class="mono" title=${asText(value).slice(0, 2000)}>${truncate(value, 160)}</span>`;
}
