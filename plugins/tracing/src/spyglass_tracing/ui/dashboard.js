// Dashboard: placeholder until the metrics endpoint lands (replaced in this change set).
import { html, PageHeader } from "/static/app/ui.js";
export function DashboardPage() {
  return html`<div class="page"><${PageHeader} title="Dashboard" /></div>`;
}
