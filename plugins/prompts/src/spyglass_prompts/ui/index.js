// The prompts plugin's pages.

import { PromptsPage } from "./prompts.js";

export default function register(ui) {
  ui.page("prompts", PromptsPage, { title: "Prompts" });
}
