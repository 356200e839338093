// The evals plugin's pages (evaluators, evaluation rules, the prompt playground and the
// LLM connections settings) and the "Judge trace" link next to EVAL scores.
// Each page's module is imported the first time it is shown.

import { lazy, projectUrl, registerScoreLink } from "/static/app/ui.js";

export default function register(ui) {
  // First match wins: the fixed paths come before the ones with an id.
  ui.page("evaluators", lazy(() => import("./evaluators.js"), "EvaluatorsPage"), { title: "Evaluators" });
  ui.page("evaluators/new", lazy(() => import("./evaluator_page.js"), "NewEvaluatorPage"), { title: "New evaluator" });
  ui.page("evaluators/:evaluatorId", lazy(() => import("./evaluator_page.js"), "EvaluatorPage"), { title: "Evaluator" });
  ui.page("evaluation-rules", lazy(() => import("./rules.js"), "RulesPage"), { title: "Evaluation rules" });
  ui.page("evaluation-rules/new", lazy(() => import("./rules.js"), "NewRulePage"), { title: "New evaluation rule" });
  ui.page("evaluation-rules/:ruleId", lazy(() => import("./rule_page.js"), "RulePage"), { title: "Evaluation rule" });
  ui.page("playground", lazy(() => import("./playground.js"), "PlaygroundPage"), { title: "Playground" });
  ui.page("settings/llm-connections", lazy(() => import("./connections.js"), "ConnectionsPage"), { title: "LLM connections" });
  registerScoreLink({
    id: "judge-trace",
    label: "Judge trace",
    href: (score, ctx) => {
      const judge = score.source === "EVAL" && score.metadata ? score.metadata.judge_trace_id : null;
      return judge ? projectUrl(ctx.projectId, "traces", judge) : null;
    },
  });
}
