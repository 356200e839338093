// Project settings contributed by tracing: score configs and model prices.

import {
  html, useState, api, useApi, projectPath, roleAllows, formatTime, formatNumber,
  DataTable, ErrorBox, Notice, Badge, SettingsFrame,
} from "/static/app/ui.js";

function parseCategories(text) {
  return text.split(",").map((part) => part.trim()).filter(Boolean).map((part, index) => {
    const [label, value] = part.split("=").map((s) => s.trim());
    return { label, value: value === undefined ? index : Number(value) };
  });
}

export function ScoreConfigsPage(props) {
  const { projectId, project } = props;
  const configs = useApi(projectPath(projectId, "/score-configs"));
  const [dataType, setDataType] = useState("NUMERIC");
  const [error, setError] = useState(null);
  const admin = roleAllows(project.role, "ADMIN");
  const create = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = { name: form.get("name"), dataType, description: form.get("description") || null };
    if (dataType === "NUMERIC") {
      if (form.get("minValue") !== "") body.minValue = Number(form.get("minValue"));
      if (form.get("maxValue") !== "") body.maxValue = Number(form.get("maxValue"));
    }
    if (dataType === "CATEGORICAL") body.categories = parseCategories(form.get("categories") || "");
    setError(null);
    try {
      await api.post(projectPath(projectId, "/score-configs"), body);
      event.target.reset();
      configs.reload();
    } catch (e) {
      setError(e);
    }
  };
  const archive = async (config) => {
    try {
      await api.patch(projectPath(projectId, `/score-configs/${config.id}`), { isArchived: !config.isArchived });
      configs.reload();
    } catch (e) {
      setError(e);
    }
  };
  const columns = [
    { id: "name", label: "Name", render: (c) => html`${c.name} ${c.isArchived ? html`<${Badge}>archived<//>` : null}` },
    { id: "type", label: "Type", width: "120px", render: (c) => c.dataType },
    { id: "range", label: "Values", width: "2fr", render: (c) => (c.dataType === "CATEGORICAL"
      ? (c.categories || []).map((k) => `${k.label}=${k.value}`).join(", ")
      : c.dataType === "NUMERIC" ? `${c.minValue ?? "−∞"} … ${c.maxValue ?? "∞"}` : "true / false") },
    { id: "description", label: "Description", width: "2fr", render: (c) => c.description || "" },
    { id: "created", label: "Created", width: "170px", render: (c) => formatTime(c.createdAt) },
    { id: "archive", label: "", width: "100px", render: (c) => (admin ? html`<button class="small" onClick=${() => archive(c)}>${c.isArchived ? "Restore" : "Archive"}</button>` : null) },
  ];
  return html`<${SettingsFrame} ...${props} active="settings/score-configs">
    <p class="muted">Score configs define what annotators and evaluators may record: a name, a type and the allowed values.</p>
    <${ErrorBox} error=${error || configs.error} />
    <div class="table-box short"><${DataTable} columns=${columns} rows=${configs.data || []} loading=${configs.loading} empty="No score configs yet." /></div>
    ${admin ? html`<h3>New score config</h3>
      <form class="stack" onSubmit=${create} aria-label="New score config">
        <div class="inline-form">
          <input name="name" placeholder="Name, e.g. correctness" required aria-label="Name" />
          <select aria-label="Data type" value=${dataType} onChange=${(e) => setDataType(e.target.value)}>
            <option>NUMERIC</option><option>CATEGORICAL</option><option>BOOLEAN</option></select>
          ${dataType === "NUMERIC" ? html`<input name="minValue" type="number" step="any" placeholder="min" aria-label="Minimum" />
            <input name="maxValue" type="number" step="any" placeholder="max" aria-label="Maximum" />` : null}
          ${dataType === "CATEGORICAL" ? html`<input name="categories" required placeholder="good=1, bad=0" aria-label="Categories" />` : null}
        </div>
        <input name="description" placeholder="Description (optional)" aria-label="Description" />
        <div><button class="primary" type="submit">Create score config</button></div>
      </form>` : html`<${Notice} kind="warning">Only admins and owners can create or archive score configs.<//>`}
  <//>`;
}

function price(model, usageType) {
  const prices = model.prices || {};
  const entry = prices[usageType];
  const value = entry && typeof entry === "object" ? entry.price : entry;
  if (value === undefined || value === null) {
    const flat = { input: model.inputPrice, output: model.outputPrice, total: model.totalPrice }[usageType];
    return flat === undefined || flat === null ? "" : `$${(flat * 1e6).toFixed(3)}`;
  }
  return `$${(value * 1e6).toFixed(3)}`;
}

export function ModelsPage(props) {
  const { projectId, project } = props;
  const models = useApi(projectPath(projectId, "/models"));
  const [error, setError] = useState(null);
  const admin = roleAllows(project.role, "ADMIN");
  const rows = Array.isArray(models.data) ? models.data : (models.data && (models.data.items || models.data.data)) || [];
  const create = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const perToken = (name) => (form.get(name) === "" ? undefined : Number(form.get(name)) / 1e6);
    const body = {
      modelName: form.get("modelName"), matchPattern: form.get("matchPattern"), unit: "TOKENS",
      inputPrice: perToken("input"), outputPrice: perToken("output"),
    };
    setError(null);
    try {
      await api.post(projectPath(projectId, "/models"), body);
      event.target.reset();
      models.reload();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async (model) => {
    if (!confirm(`Delete the price of ${model.modelName}?`)) return;
    try {
      await api.del(projectPath(projectId, `/models/${model.id}`));
      models.reload();
    } catch (e) {
      setError(e);
    }
  };
  const columns = [
    { id: "modelName", label: "Model", width: "1.4fr", render: (m) => html`${m.modelName} ${m.isLangfuseManaged ? html`<${Badge}>built-in<//>` : null}` },
    { id: "match", label: "Match pattern", width: "2fr", render: (m) => html`<code>${m.matchPattern}</code>` },
    { id: "input", label: "Input $/1M", width: "100px", align: "right", render: (m) => price(m, "input") },
    { id: "output", label: "Output $/1M", width: "100px", align: "right", render: (m) => price(m, "output") },
    { id: "from", label: "Valid from", width: "150px", render: (m) => (m.startDate ? formatTime(m.startDate) : "") },
    { id: "delete", label: "", width: "90px", render: (m) => (admin && !m.isLangfuseManaged ? html`<button class="danger small" onClick=${() => remove(m)}>Delete</button>` : null) },
  ];
  return html`<${SettingsFrame} ...${props} active="settings/models">
    <p class="muted">Prices turn token usage into cost. A project's own price wins over a built-in one for the same model. ${formatNumber(rows.length)} models.</p>
    <${ErrorBox} error=${error || models.error} />
    <div class="table-box" style=${{ minHeight: "360px" }}><${DataTable} columns=${columns} rows=${rows} loading=${models.loading} /></div>
    ${admin ? html`<h3>Add a model price</h3>
      <form class="inline-form" onSubmit=${create} aria-label="New model price">
        <input name="modelName" required placeholder="Model name" aria-label="Model name" />
        <input name="matchPattern" required placeholder="(?i)^(my-model)$" aria-label="Match pattern" />
        <input name="input" type="number" step="any" min="0" placeholder="Input $ / 1M tokens" aria-label="Input price" />
        <input name="output" type="number" step="any" min="0" placeholder="Output $ / 1M tokens" aria-label="Output price" />
        <button class="primary" type="submit">Add</button>
      </form>` : null}
  <//>`;
}


