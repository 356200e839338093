// The traces table's filters, kept in the URL so a filtered view can be shared.

import { html, useApi, useState, projectPath, setQuery, MultiSelect } from "/static/app/ui.js";

export const RANGES = [
  { id: "1h", label: "Last hour", seconds: 3600 },
  { id: "24h", label: "Last 24 hours", seconds: 86400 },
  { id: "7d", label: "Last 7 days", seconds: 7 * 86400 },
  { id: "30d", label: "Last 30 days", seconds: 30 * 86400 },
  { id: "all", label: "All time", seconds: null },
];

const MULTI = [
  { key: "name", label: "Name", options: "names" },
  { key: "userId", label: "User", options: "userIds" },
  { key: "tags", label: "Tags", options: "tags" },
  { key: "environment", label: "Environment", options: "environments" },
  { key: "level", label: "Level", options: "levels" },
  { key: "model", label: "Model", options: "models" },
];

/**
 * The time range's start as ISO text, or undefined for all time. Rounded to the minute:
 * the value keys the page's requests, so it must not change at every render.
 */
export function rangeStart(rangeId) {
  const range = RANGES.find((r) => r.id === rangeId) || RANGES[RANGES.length - 1];
  if (!range.seconds) return undefined;
  const now = Math.floor(Date.now() / 60000) * 60000;
  return new Date(now - range.seconds * 1000).toISOString();
}

/** The traces API's query parameters from the page URL's query. */
export function traceParams(query) {
  const params = {
    fromTimestamp: rangeStart(query.get("range") || "all"),
    search: query.get("search") || undefined,
    sessionId: query.get("sessionId") || undefined,
    orderBy: query.get("orderBy") || undefined,
    order: query.get("order") || undefined,
    scoreName: query.get("scoreName") || undefined,
    scoreMin: query.get("scoreMin") || undefined,
    scoreMax: query.get("scoreMax") || undefined,
    scoreValue: query.get("scoreValue") || undefined,
  };
  for (const filter of MULTI) {
    const values = query.getAll(filter.key);
    if (values.length) params[filter.key] = values;
  }
  return params;
}

export function TraceFilters({ projectId, query }) {
  const range = query.get("range") || "all";
  // The distinct values read every matching trace: ask for them only once the user
  // reaches for a filter, so they never compete with the table's first page.
  const [wanted, setWanted] = useState(false);
  const options = useApi(wanted ? projectPath(projectId, "/traces/filter-options") : null, { fromTimestamp: rangeStart(range) });
  const [search, setSearch] = useState(query.get("search") || "");
  const data = options.data || {};
  const want = () => wanted || setWanted(true);
  return html`<div class="filters" role="search" onMouseOver=${want} onFocusIn=${want}>
    <input type="search" placeholder="Search name or id…" aria-label="Search traces" value=${search}
      onInput=${(e) => setSearch(e.target.value)}
      onKeyDown=${(e) => e.key === "Enter" && setQuery({ search: search || undefined })} />
    <select aria-label="Time range" value=${range} onChange=${(e) => setQuery({ range: e.target.value === "all" ? undefined : e.target.value })}>
      ${RANGES.map((r) => html`<option value=${r.id}>${r.label}</option>`)}
    </select>
    ${MULTI.map((f) => html`<${MultiSelect} key=${f.key} name=${f.key} label=${f.label} options=${data[f.options] || []}
      value=${query.getAll(f.key)} onChange=${(values) => setQuery({ [f.key]: values })} />`)}
    <${ScoreFilter} names=${data.scoreNames || []} query=${query} />
    ${query.get("sessionId") ? html`<button class="filter-button on" onClick=${() => setQuery({ sessionId: undefined })}>Session: ${query.get("sessionId")} ✕</button>` : null}
    ${[...query.keys()].some((k) => k !== "orderBy" && k !== "order")
      ? html`<button class="link" onClick=${() => setSearch("") || setQuery({ range: undefined, search: undefined, sessionId: undefined, scoreName: undefined, scoreMin: undefined, scoreMax: undefined, scoreValue: undefined, ...Object.fromEntries(MULTI.map((f) => [f.key, undefined])) })}>Reset filters</button>` : null}
  </div>`;
}

function ScoreFilter({ names, query }) {
  const [open, setOpen] = useState(false);
  const active = query.get("scoreName");
  const apply = (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    setQuery({ scoreName: form.get("scoreName") || undefined, scoreMin: form.get("scoreMin") || undefined,
      scoreMax: form.get("scoreMax") || undefined, scoreValue: form.get("scoreValue") || undefined });
    setOpen(false);
  };
  return html`<div class="multiselect" data-filter="score">
    <button class="filter-button ${active ? "on" : ""}" onClick=${() => setOpen(!open)}>Score${active ? `: ${active}` : ""} ▾</button>
    ${open ? html`<form class="popover" onSubmit=${apply}>
      <select name="scoreName" aria-label="Score name"><option value="">(any score)</option>
        ${names.map((n) => html`<option value=${n} selected=${n === active}>${n}</option>`)}</select>
      <input name="scoreMin" type="number" step="any" placeholder="min" value=${query.get("scoreMin") || ""} />
      <input name="scoreMax" type="number" step="any" placeholder="max" value=${query.get("scoreMax") || ""} />
      <input name="scoreValue" placeholder="categorical value" value=${query.get("scoreValue") || ""} />
      <button class="primary" type="submit">Apply</button>
    </form>` : null}
  </div>`;
}
