// The observation tree with its waterfall: one virtualized list whose rows show the
// node (indented, collapsible) on the left and its span on the trace's timeline.

import { html, useMemo, VirtualList, Badge, formatDuration, formatCost } from "/static/app/ui.js";

const ms = (value) => (value ? new Date(value).getTime() : null);

/** Parent → children, with nodes whose parent is not (yet) loaded at the top level. */
export function buildTree(nodes) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const children = new Map();
  const roots = [];
  for (const node of nodes) {
    const parent = node.parentObservationId && byId.has(node.parentObservationId) ? node.parentObservationId : null;
    if (parent === null) roots.push(node);
    else {
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(node);
    }
  }
  return { roots, children };
}

/** Rows in display order: the trace, then a depth-first walk skipping collapsed nodes. */
export function flatten(tree, collapsed) {
  const rows = [{ kind: "trace", depth: 0, id: null }];
  if (collapsed.has(null)) return rows;
  const stack = [...tree.roots].reverse().map((node) => ({ node, depth: 1 }));
  while (stack.length) {
    const { node, depth } = stack.pop();
    const kids = tree.children.get(node.id) || [];
    rows.push({ kind: "observation", depth, id: node.id, node, hasChildren: kids.length > 0 });
    if (!collapsed.has(node.id)) {
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i], depth: depth + 1 });
    }
  }
  return rows;
}

/** The trace's time span from the trace and its loaded observations. */
export function timeline(trace, nodes) {
  let start = ms(trace.timestamp);
  let end = start + Math.max(0, (trace.latency || 0) * 1000);
  for (const node of nodes) {
    const s = ms(node.startTime);
    const e = ms(node.endTime) ?? s;
    if (s !== null && s < start) start = s;
    if (e !== null && e > end) end = e;
  }
  return { start, span: Math.max(end - start, 1) };
}

function Bar({ node, axis }) {
  const start = ms(node.startTime);
  if (start === null) return null;
  const end = ms(node.endTime) ?? start;
  const left = ((start - axis.start) / axis.span) * 100;
  const width = Math.max(((end - start) / axis.span) * 100, 0.4);
  const ttft = ms(node.completionStartTime);
  return html`<div class="wf-bar type-${node.type}" style=${{ left: `${left}%`, width: `${width}%` }}
      title=${`${formatDuration((end - start) / 1000)}`}>
    ${ttft ? html`<div class="wf-ttft" style=${{ width: `${Math.min(100, ((ttft - start) / Math.max(end - start, 1)) * 100)}%` }}></div>` : null}
  </div>`;
}

export function ObservationTree({ trace, nodes, selected, onSelect, collapsed, onToggle, onEndReached }) {
  const tree = useMemo(() => buildTree(nodes), [nodes]);
  const rows = useMemo(() => flatten(tree, collapsed), [tree, collapsed]);
  const axis = useMemo(() => timeline(trace, nodes), [trace, nodes]);
  const selectedIndex = rows.findIndex((r) => r.id === selected);
  const renderRow = (index) => {
    const row = rows[index];
    const isTrace = row.kind === "trace";
    const node = row.node;
    const duration = isTrace ? trace.latency : node.endTime ? (ms(node.endTime) - ms(node.startTime)) / 1000 : null;
    const cost = isTrace ? trace.totalCost : node.totalCost;
    const open = !collapsed.has(row.id);
    const expandable = isTrace ? nodes.length > 0 : row.hasChildren;
    return html`<div class="tree-row ${row.id === selected ? "active" : ""}" role="treeitem"
        aria-selected=${row.id === selected} aria-level=${row.depth + 1} data-id=${row.id || "trace"}
        onClick=${() => onSelect(row.id)}>
      <div class="tree-label" style=${{ paddingLeft: `${6 + row.depth * 14}px` }}>
        ${expandable ? html`<button class="twisty" aria-label=${open ? "Collapse" : "Expand"}
          onClick=${(e) => { e.stopPropagation(); onToggle(row.id); }}>${open ? "▾" : "▸"}</button>` : html`<span class="twisty"></span>`}
        <${Badge} kind=${isTrace ? "TRACE" : node.type}>${isTrace ? "TRACE" : node.type}<//>
        <span class="tree-name">${isTrace ? trace.name || trace.id : node.name || node.id}</span>
        ${!isTrace && node.level && node.level !== "DEFAULT" ? html`<${Badge} kind=${node.level}>${node.level}<//>` : null}
        <span class="tree-meta muted">${formatDuration(duration)}${cost ? ` · ${formatCost(cost)}` : ""}</span>
      </div>
      <div class="wf-track">${isTrace
        ? html`<div class="wf-bar type-TRACE" style=${{ left: `${((ms(trace.timestamp) - axis.start) / axis.span) * 100}%`, width: `${Math.max(((trace.latency || 0) * 1000 / axis.span) * 100, 0.4)}%` }}></div>`
        : html`<${Bar} node=${node} axis=${axis} />`}</div>
    </div>`;
  };
  return html`<div class="tree" role="tree" aria-label="Observations">
    <${VirtualList} count=${rows.length} rowHeight=${30} renderRow=${renderRow} onEndReached=${onEndReached} selected=${selectedIndex} />
  </div>`;
}

/** The ids in display order, for moving the selection with the keyboard. */
export function visibleIds(nodes, collapsed) {
  return flatten(buildTree(nodes), collapsed).map((r) => r.id);
}
