// The module plugins build their pages with: the view layer, the API client, the
// router and the shared components. Import it as "/static/app/ui.js".
//
//   import { html, useApi, DataTable } from "/static/app/ui.js";
//   export default function register(ui) {
//     ui.page("traces", TracesPage, { title: "Traces" });
//   }
//
// A page component receives {projectId, project, params, query, session}.

import { h, render, createContext, Fragment } from "./vendor/preact.js";
import htm from "./vendor/htm.js";
import { useEffect, useState } from "./vendor/preact-hooks.js";
import { lazyPage } from "./lib/registry.js";
import { Spinner } from "./lib/widgets.js";

export { h, render, createContext, Fragment };
export * from "./vendor/preact-hooks.js";
export const html = htm.bind(h);

export { api, ApiError, projectPath, query } from "./lib/api.js";
export { navigate, setQuery, useLocation } from "./lib/router.js";
export { useApi, useDebounced, useInterval, useHotkeys } from "./lib/hooks.js";
export { usePaged } from "./lib/paged.js";
export * from "./lib/format.js";
export { DataTable, VirtualList, useVirtualizer } from "./lib/table.js";
export { ChatView, ContentView, JsonTree, Markdown, isChat } from "./lib/content.js";
export { BarList, TimeChart } from "./lib/chart.js";
export * from "./lib/widgets.js";

export { PageHeader, SettingsFrame, projectUrl, roleAllows } from "./lib/common.js";
export { ScoreLinks, TraceActions, registerScoreLink, registerTraceAction, traceActions } from "./lib/actions.js";

/**
 * A page whose module loads on first use: ``lazy(() => import(<module URL>), "Page")``.
 * Register pages this way so that opening one page does not download all the others.
 */
export function lazy(load, exportName) {
  return lazyPage(load, exportName, { h, useEffect, useState, Placeholder: Spinner });
}
