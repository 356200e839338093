// Users: who sends traces, what they cost, when they were last seen; one user's traces.

import {
  html, usePaged, useMemo, useState, useApi, projectPath, projectUrl, navigate, setQuery,
  DataTable, ErrorBox, PageHeader, Spinner, formatTime, formatCost, formatNumber, relativeTime,
} from "/static/app/ui.js";

import { TracesTable, traceColumns } from "./traces.js";

export function UsersPage({ projectId, query }) {
  const [search, setSearch] = useState(query.get("search") || "");
  const list = usePaged(projectPath(projectId, "/users"), { search: query.get("search") || undefined });
  const columns = [
    { id: "userId", label: "User", width: "minmax(180px, 2fr)", render: (u) => u.userId },
    { id: "traceCount", label: "Traces", width: "90px", align: "right", render: (u) => formatNumber(u.traceCount) },
    { id: "sessionCount", label: "Sessions", width: "90px", align: "right", render: (u) => formatNumber(u.sessionCount) },
    { id: "totalTokens", label: "Tokens", width: "100px", align: "right", render: (u) => formatNumber(u.totalTokens) },
    { id: "totalCost", label: "Cost", width: "100px", align: "right", render: (u) => formatCost(u.totalCost) },
    { id: "firstSeen", label: "First seen", width: "170px", render: (u) => formatTime(u.firstSeen) },
    { id: "lastSeen", label: "Last seen", width: "120px", render: (u) => relativeTime(u.lastSeen) },
  ];
  return html`<div class="page full">
    <${PageHeader} title="Users" />
    <div class="filters"><input type="search" aria-label="Search users" placeholder="Search user id…" value=${search}
      onInput=${(e) => setSearch(e.target.value)} onKeyDown=${(e) => e.key === "Enter" && setQuery({ search: search || undefined })} /></div>
    <div class="table-box">${list.error ? html`<${ErrorBox} error=${list.error} retry=${list.reload} />` : html`
      <${DataTable} columns=${columns} rows=${list.rows} rowKey=${(u) => u.userId} loading=${list.loading} onEndReached=${list.more}
        empty="No users. Traces with a userId appear here."
        onRowClick=${(u) => navigate(projectUrl(projectId, "users", u.userId))} />`}</div>
  </div>`;
}

export function UserPage({ projectId, params: route, query }) {
  const user = useApi(projectPath(projectId, `/users/${encodeURIComponent(route.userId)}`));
  const sort = `${query.get("orderBy") || ""}:${query.get("order") || ""}`;
  const params = useMemo(
    () => ({ userId: [route.userId], orderBy: query.get("orderBy") || undefined, order: query.get("order") || undefined }),
    [route.userId, sort],
  );
  if (user.error) return html`<div class="page"><${ErrorBox} error=${user.error} /></div>`;
  if (!user.data) return html`<${Spinner} />`;
  const u = user.data;
  const columns = traceColumns(projectId).filter((c) => c.standard && c.id !== "userId");
  return html`<div class="page full">
    <${PageHeader} title=${`User ${u.userId}`}
      subtitle=${`${formatNumber(u.traceCount)} traces · ${formatNumber(u.sessionCount)} sessions · ${formatNumber(u.totalTokens)} tokens · ${formatCost(u.totalCost)} · first seen ${formatTime(u.firstSeen)} · last seen ${relativeTime(u.lastSeen)}`}>
      <a href=${`${projectUrl(projectId, "sessions")}?userId=${encodeURIComponent(u.userId)}`}>Sessions</a>
    <//>
    <${TracesTable} projectId=${projectId} params=${params} columns=${columns} />
  </div>`;
}
