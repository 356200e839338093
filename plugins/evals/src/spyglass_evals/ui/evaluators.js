// Evaluators: the project's LLM-as-a-judge evaluators, newest first.

import {
  html, usePaged, navigate, roleAllows, relativeTime, Badge, DataTable, ErrorBox, PageHeader,
} from "/static/app/ui.js";
import { evalsPath, evalsUrl } from "./common.js";

/** What a judge's score is, in a few words. */
export function outputSummary(output) {
  if (!output) return "";
  if (output.dataType === "NUMERIC") return `number ${output.minValue ?? "?"}…${output.maxValue ?? "?"}`;
  if (output.dataType === "CATEGORICAL") return `one of ${(output.categories || []).join(", ")}`;
  return "true / false";
}

export function EvaluatorsPage({ projectId, project }) {
  const list = usePaged(evalsPath(projectId, "/evaluators"), {});
  const columns = [
    { id: "name", label: "Name", width: "2fr", render: (e) => e.name },
    { id: "description", label: "Description", width: "3fr", render: (e) => e.description || "" },
    { id: "output", label: "Score", width: "2fr", render: (e) => outputSummary(e.outputDefinition) },
    { id: "model", label: "Model", width: "2fr",
      render: (e) => (e.modelConfig ? `${e.modelConfig.provider} / ${e.modelConfig.model}` : html`<span class="muted">not set</span>`) },
    { id: "version", label: "Version", width: "80px", align: "right", render: (e) => html`<${Badge}>v${e.version}<//>` },
    { id: "rules", label: "Rules", width: "70px", align: "right", render: (e) => e.evaluationRuleAssignments.length },
    { id: "updated", label: "Updated", width: "110px", render: (e) => relativeTime(e.updatedAt) },
  ];
  return html`<div class="page full">
    <${PageHeader} title="Evaluators" subtitle="LLM-as-a-judge templates: a prompt, what the score is, and the judge model.">
      <a href=${evalsUrl(projectId, "evaluation-rules")}>Evaluation rules</a>
      ${roleAllows(project.role, "MEMBER") ? html`<button class="primary" onClick=${() => navigate(evalsUrl(projectId, "evaluators", "new"))}>New evaluator</button>` : null}
    <//>
    <${ErrorBox} error=${list.error} retry=${list.reload} />
    <div class="table-box"><${DataTable} columns=${columns} rows=${list.rows} loading=${list.loading}
      onEndReached=${list.more} onRowClick=${(e) => navigate(evalsUrl(projectId, "evaluators", e.id))}
      empty="No evaluators yet. Start from a template of the catalogue with New evaluator." /></div>
  </div>`;
}
