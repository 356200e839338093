// Trace actions: buttons other plugins add to the trace page without the tracing plugin
// knowing them (the datasets plugin's "Add to dataset", for one).
//
//   registerTraceAction({
//     id: "add-to-dataset", label: "Add to dataset",
//     available: (ctx) => ctx.canWrite,          // optional: hide the button
//     component: AddToDatasetDialog,             // rendered with {ctx, onClose} once clicked
//   });
//
// ``ctx`` is {projectId, project, canWrite, traceId, observationId, input, output}:
// ``observationId`` is null on the trace itself; input/output are the decoded values
// the page shows. Plugins without a dialog give ``run(ctx)`` instead of ``component``.

import { h } from "../vendor/preact.js";
import htm from "../vendor/htm.js";
import { useState } from "../vendor/preact-hooks.js";

const html = htm.bind(h);
const actions = [];

/** Add a button to the trace page (and to each observation's details). */
export function registerTraceAction(action) {
  if (!action || !action.id || !action.label) throw new Error("A trace action needs an id and a label");
  if (actions.some((a) => a.id === action.id)) throw new Error(`Trace action '${action.id}' is registered twice`);
  actions.push(action);
}

/** The registered trace actions, in registration order. */
export function traceActions() {
  return [...actions];
}

/** The buttons of the actions available in ``ctx``, and the open action's component. */
export function TraceActions({ ctx }) {
  const [open, setOpen] = useState(null);
  const shown = actions.filter((a) => !a.available || a.available(ctx));
  if (shown.length === 0) return null;
  const active = shown.find((a) => a.id === open);
  return html`<div class="trace-actions" role="group" aria-label="Actions">
    ${shown.map((a) => html`<button key=${a.id} class="small" data-action=${a.id}
      onClick=${() => (a.component ? setOpen(a.id) : a.run(ctx))}>${a.label}</button>`)}
    ${active ? h(active.component, { ctx, onClose: () => setOpen(null) }) : null}
  </div>`;
}

// Score links: a plugin adds a link next to a score on the trace page, for scores it
// recognises (the evals plugin's "judge trace" on EVAL scores), without the tracing
// plugin knowing it.
//
//   registerScoreLink({
//     id: "judge-trace", label: "Judge trace",
//     href: (score, ctx) => score.source === "EVAL" && score.metadata?.judge_trace_id
//       ? projectUrl(ctx.projectId, "traces", score.metadata.judge_trace_id) : null,
//   });
//
// ``score`` is the score as the trace page lists it (with ``source``, ``comment`` and
// ``metadata``); ``ctx`` is {projectId}. A link whose ``href`` is null is not shown.

const scoreLinks = [];

/** Add a link next to the scores it applies to (``href`` null: not this score). */
export function registerScoreLink(link) {
  if (!link || !link.id || !link.label || typeof link.href !== "function") {
    throw new Error("A score link needs an id, a label and an href(score, ctx) function");
  }
  if (scoreLinks.some((l) => l.id === link.id)) throw new Error(`Score link '${link.id}' is registered twice`);
  scoreLinks.push(link);
}

/** The links registered plugins give for ``score``. */
export function ScoreLinks({ score, ctx }) {
  const shown = scoreLinks.map((l) => ({ link: l, href: l.href(score, ctx) })).filter((s) => s.href);
  if (shown.length === 0) return null;
  return html`${shown.map(({ link, href }) => html`<a key=${link.id} class="small" data-score-link=${link.id}
    href=${href}>${link.label}</a>`)}`;
}
