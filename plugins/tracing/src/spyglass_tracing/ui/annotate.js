// Scores and comments on a trace, an observation or a session: list, add, delete.

import {
  html, useState, api, useApi, projectPath, roleAllows, formatScore, formatTime, Badge, ErrorBox, ScoreLinks,
} from "/static/app/ui.js";

/**
 * A score value input for a score config. ``optional`` inputs start empty (an annotator
 * may leave a config of a queue unscored); required ones start on the first choice.
 */
export function ScoreValueInput({ config, name = "value", optional = false, label = "Value" }) {
  const none = optional ? html`<option value="">—</option>` : null;
  if (config.dataType === "BOOLEAN") {
    return html`<select name=${name} aria-label=${label} required=${!optional}>${none}<option value="1">True</option><option value="0">False</option></select>`;
  }
  if (config.dataType === "CATEGORICAL") {
    return html`<select name=${name} aria-label=${label} required=${!optional}>${none}
      ${(config.categories || []).map((c) => html`<option value=${c.value}>${c.label}</option>`)}</select>`;
  }
  return html`<input name=${name} type="number" step="any" required=${!optional} aria-label=${label}
    min=${config.minValue ?? undefined} max=${config.maxValue ?? undefined}
    placeholder=${config.minValue !== null && config.minValue !== undefined ? `${config.minValue} – ${config.maxValue ?? "∞"}` : ""} />`;
}

/** The score body for the API from a config and the form's raw value. */
export function scoreBody(config, raw) {
  if (config.dataType === "CATEGORICAL") {
    const category = (config.categories || []).find((c) => String(c.value) === String(raw));
    return { value: category ? category.label : raw, dataType: "CATEGORICAL", configId: config.id };
  }
  return { value: Number(raw), dataType: config.dataType, configId: config.id };
}

function AddScore({ projectId, target, onAdded }) {
  const configs = useApi(projectPath(projectId, "/score-configs"));
  const active = (configs.data || []).filter((c) => !c.isArchived);
  const [configId, setConfigId] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const config = active.find((c) => c.id === configId) || active[0] || null;
  if (configs.loading && !configs.data) return null;
  if (!config) {
    return html`<div class="muted">To score by hand, create a score config under${" "}<a href=${`/project/${encodeURIComponent(projectId)}/settings/score-configs`}>Settings → Score configs</a>.</div>`;
  }
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    setBusy(true);
    setError(null);
    try {
      const body = { ...target, name: config.name, ...scoreBody(config, form.get("value")), comment: form.get("comment") || null };
      const created = await api.post(projectPath(projectId, "/scores"), body);
      event.target.reset();
      onAdded({ id: created.id, name: config.name, value: typeof body.value === "number" ? body.value : null,
        stringValue: typeof body.value === "string" ? body.value : null, dataType: body.dataType,
        source: "ANNOTATION", comment: body.comment, observationId: target.observationId || null, pending: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="score-form stack" onSubmit=${submit} aria-label="Add score">
    <${ErrorBox} error=${error} />
    <div class="inline-form">
      <select aria-label="Score config" value=${config.id} onChange=${(e) => setConfigId(e.target.value)}>
        ${active.map((c) => html`<option value=${c.id}>${c.name} (${c.dataType.toLowerCase()})</option>`)}
      </select>
      <${ScoreValueInput} config=${config} key=${config.id} />
    </div>
    <input name="comment" placeholder="Comment (optional)" aria-label="Comment" />
    <div><button class="primary" type="submit" disabled=${busy}>Add score</button></div>
  </form>`;
}

/** The scores of one target with delete, and the add-score form for MEMBER and above. */
export function ScoresPanel({ projectId, project, scores, target, onChange }) {
  const [added, setAdded] = useState([]);
  const [error, setError] = useState(null);
  const canWrite = roleAllows(project.role, "MEMBER");
  const known = new Set(scores.map((s) => s.id));
  const shown = [...scores, ...added.filter((s) => !known.has(s.id))];
  const remove = async (score) => {
    try {
      await api.del(projectPath(projectId, `/scores/${encodeURIComponent(score.id)}`));
      setAdded((a) => a.filter((s) => s.id !== score.id));
      onChange && onChange();
    } catch (e) {
      setError(e);
    }
  };
  return html`<section class="scores" aria-label="Scores">
    <h4>Scores</h4>
    <${ErrorBox} error=${error} />
    ${shown.length === 0 ? html`<div class="muted">No scores yet.</div>` : html`<ul class="plain score-list">
      ${shown.map((s) => html`<li key=${s.id} aria-label=${`Score ${s.name}`}>
        <div class="score-head">
          <${Badge} kind="score">${s.name}: ${formatScore(s)}<//>
          <span class="muted small">${s.source || ""}${s.pending ? " · processing" : ""}</span>
          <${ScoreLinks} score=${s} ctx=${{ projectId }} />
          ${canWrite && !s.pending ? html`<button class="link small" aria-label=${`Delete score ${s.name}`} onClick=${() => remove(s)}>✕</button>` : null}
        </div>
        ${s.comment ? html`<p class="score-comment small" aria-label="Comment">${s.comment}</p>` : null}
      </li>`)}
    </ul>`}
    ${canWrite ? html`<${AddScore} projectId=${projectId} target=${target} onAdded=${(score) => {
      setAdded((a) => [...a, score]);
      // The score is applied by the worker; read it back shortly.
      setTimeout(() => onChange && onChange(), 1500);
    }} />` : null}
  </section>`;
}

/** Comments on an object (TRACE, OBSERVATION, SESSION, PROMPT). */
export function CommentsPanel({ projectId, project, session, objectType, objectId }) {
  const comments = useApi(projectPath(projectId, "/comments"), { objectType, objectId });
  const [error, setError] = useState(null);
  const canWrite = roleAllows(project.role, "MEMBER");
  const submit = async (event) => {
    event.preventDefault();
    const content = new FormData(event.target).get("content");
    try {
      await api.post(projectPath(projectId, "/comments"), { objectType, objectId, content });
      event.target.reset();
      comments.reload();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async (comment) => {
    try {
      await api.del(projectPath(projectId, `/comments/${encodeURIComponent(comment.id)}`));
      comments.reload();
    } catch (e) {
      setError(e);
    }
  };
  const items = Array.isArray(comments.data) ? comments.data : (comments.data && comments.data.items) || [];
  return html`<section class="comments" aria-label="Comments">
    <h4>Comments</h4>
    <${ErrorBox} error=${error || (comments.error && comments.error.status !== 404 ? comments.error : null)} />
    ${items.length === 0 ? html`<div class="muted">No comments.</div>` : html`<ul class="plain">
      ${items.map((c) => html`<li key=${c.id} class="comment">
        <div class="muted small">${c.authorEmail || c.authorUserId || "API"} · ${formatTime(c.createdAt)}
          ${canWrite && (c.authorUserId === session.user.id || roleAllows(project.role, "ADMIN"))
            ? html`<button class="link small" onClick=${() => remove(c)}>Delete</button>` : null}</div>
        <div>${c.content}</div></li>`)}</ul>`}
    ${canWrite ? html`<form class="inline-form" onSubmit=${submit}>
      <input name="content" placeholder="Add a comment" required maxlength="5000" aria-label="Comment text" />
      <button type="submit">Comment</button></form>` : null}
  </section>`;
}

