// The tracing plugin's pages, registered with the UI shell.

import { TracesPage } from "./traces.js";
import { TracePage } from "./trace.js";
import { SessionsPage, SessionPage } from "./sessions.js";
import { UsersPage, UserPage } from "./users.js";
import { DashboardPage } from "./dashboard.js";
import { QueuesPage, QueuePage } from "./annotation.js";
import { ScoreConfigsPage, ModelsPage } from "./settings.js";

export default function register(ui) {
  ui.page("dashboard", DashboardPage, { title: "Dashboard" });
  ui.page("traces", TracesPage, { title: "Traces" });
  ui.page("traces/:traceId", TracePage, { title: "Trace" });
  ui.page("sessions", SessionsPage, { title: "Sessions" });
  ui.page("sessions/:sessionId", SessionPage, { title: "Session" });
  ui.page("users", UsersPage, { title: "Users" });
  ui.page("users/:userId", UserPage, { title: "User" });
  ui.page("annotation-queues", QueuesPage, { title: "Annotation queues" });
  ui.page("annotation-queues/:queueId", QueuePage, { title: "Annotation queue" });
  ui.page("settings/score-configs", ScoreConfigsPage, { title: "Score configs" });
  ui.page("settings/models", ModelsPage, { title: "Model prices" });
}
