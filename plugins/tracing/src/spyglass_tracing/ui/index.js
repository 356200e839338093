// The tracing plugin's pages, registered with the UI shell. Each page's module is
// imported the first time it is shown.

import { lazy } from "/static/app/ui.js";

export default function register(ui) {
  ui.page("dashboard", lazy(() => import("./dashboard.js"), "DashboardPage"), { title: "Dashboard" });
  ui.page("traces", lazy(() => import("./traces.js"), "TracesPage"), { title: "Traces" });
  ui.page("traces/:traceId", lazy(() => import("./trace.js"), "TracePage"), { title: "Trace" });
  ui.page("sessions", lazy(() => import("./sessions.js"), "SessionsPage"), { title: "Sessions" });
  ui.page("sessions/:sessionId", lazy(() => import("./sessions.js"), "SessionPage"), { title: "Session" });
  ui.page("users", lazy(() => import("./users.js"), "UsersPage"), { title: "Users" });
  ui.page("users/:userId", lazy(() => import("./users.js"), "UserPage"), { title: "User" });
  ui.page("annotation-queues", lazy(() => import("./annotation.js"), "QueuesPage"), { title: "Annotation queues" });
  ui.page("annotation-queues/:queueId", lazy(() => import("./annotation.js"), "QueuePage"), { title: "Annotation queue" });
  ui.page("settings/score-configs", lazy(() => import("./settings.js"), "ScoreConfigsPage"), { title: "Score configs" });
  ui.page("settings/models", lazy(() => import("./settings.js"), "ModelsPage"), { title: "Model prices" });
}
