// Media previews: the SDKs replace images, audio and files in inputs and outputs with
// ``@@@langfuseMedia:type=…|id=…|source=…@@@`` references; show what they point to.

import { html, useApi, projectPath, ErrorBox, formatNumber } from "/static/app/ui.js";

const REFERENCE = /@@@langfuseMedia:type=([^|@]+)\|id=([^|@]+)\|source=([^|@]+)@@@/g;

/** The distinct media references anywhere in ``value`` (any depth, any field). */
export function mediaReferences(value) {
  if (value === null || value === undefined) return [];
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const found = new Map();
  for (const match of text.matchAll(REFERENCE)) found.set(match[2], { type: match[1], id: match[2] });
  return [...found.values()];
}

function Preview({ projectId, reference }) {
  const media = useApi(projectPath(projectId, `/media/${encodeURIComponent(reference.id)}`));
  if (media.error) return html`<${ErrorBox} error=${{ message: `Media ${reference.id}: ${media.error.message}` }} />`;
  if (!media.data) return html`<div class="muted">Loading media…</div>`;
  const { url, contentType, contentLength } = media.data;
  const caption = html`<div class="muted small">${contentType}, ${formatNumber(contentLength)} bytes · <a href=${url} target="_blank" rel="noopener">open</a></div>`;
  if (contentType.startsWith("image/")) return html`<figure class="media"><img src=${url} alt=${`media ${reference.id}`} loading="lazy" />${caption}</figure>`;
  if (contentType.startsWith("audio/")) return html`<figure class="media"><audio controls src=${url}></audio>${caption}</figure>`;
  if (contentType.startsWith("video/")) return html`<figure class="media"><video controls src=${url}></video>${caption}</figure>`;
  return html`<figure class="media">${caption}</figure>`;
}

/** Previews of the media referenced by the given values (nothing when there are none). */
export function MediaPreviews({ projectId, values }) {
  const references = values.flatMap(mediaReferences);
  if (references.length === 0) return null;
  return html`<section class="media-previews" aria-label="Media">
    <h4>Media</h4>
    ${references.map((reference) => html`<${Preview} key=${reference.id} projectId=${projectId} reference=${reference} />`)}
  </section>`;
}
