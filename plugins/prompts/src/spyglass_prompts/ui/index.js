// The prompts plugin's pages; the page module (and its diff library) loads on first use.

import { lazy } from "/static/app/ui.js";

export default function register(ui) {
  ui.page("prompts", lazy(() => import("./prompts.js"), "PromptsPage"), { title: "Prompts" });
}
