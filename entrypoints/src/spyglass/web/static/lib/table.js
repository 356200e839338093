// Virtualized list and table on @tanstack/virtual-core: only the rows on screen are in
// the DOM, so a table of 100,000 loaded rows or a tree of 10,000 nodes scrolls smoothly.

import { h } from "../vendor/preact.js";
import htm from "../vendor/htm.js";
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from "../vendor/preact-hooks.js";
import {
  Virtualizer,
  elementScroll,
  observeElementOffset,
  observeElementRect,
} from "../vendor/tanstack-virtual-core/index.js";

const html = htm.bind(h);

/** A Virtualizer bound to a scroll element, re-rendering the component on scroll. */
export function useVirtualizer({ count, estimateSize = () => 36, overscan = 12, getItemKey }) {
  const scrollRef = useRef(null);
  const [, rerender] = useReducer((n) => n + 1, 0);
  const [instance] = useState(
    () =>
      new Virtualizer({
        count,
        estimateSize,
        overscan,
        getScrollElement: () => scrollRef.current,
        scrollToFn: elementScroll,
        observeElementRect,
        observeElementOffset,
        onChange: () => rerender(),
      }),
  );
  instance.setOptions({
    ...instance.options,
    count,
    estimateSize,
    overscan,
    getItemKey: getItemKey || instance.options.getItemKey,
  });
  useLayoutEffect(() => instance._didMount(), []);
  useLayoutEffect(() => instance._willUpdate());
  return { instance, scrollRef };
}

/**
 * A virtualized vertical list. ``renderRow(index)`` renders one row; ``onEndReached`` is
 * called when the last rows come into view (load the next page there).
 */
export function VirtualList({ count, rowHeight = 36, renderRow, onEndReached, class: className = "", selected }) {
  const { instance, scrollRef } = useVirtualizer({ count, estimateSize: () => rowHeight });
  const items = instance.getVirtualItems();
  const last = items.length ? items[items.length - 1].index : -1;
  useEffect(() => {
    if (onEndReached && count > 0 && last >= count - 5) onEndReached();
  }, [last, count]);
  useEffect(() => {
    if (selected !== undefined && selected !== null && selected >= 0) instance.scrollToIndex(selected, { align: "auto" });
  }, [selected]);
  return html`
    <div class="vlist ${className}" ref=${scrollRef}>
      <div class="vlist-inner" style=${{ height: `${instance.getTotalSize()}px` }}>
        ${items.map(
          (item) => html`
            <div key=${item.key} class="vlist-row" style=${{ height: `${item.size}px`, transform: `translateY(${item.start}px)` }}>
              ${renderRow(item.index)}
            </div>`,
        )}
      </div>
    </div>`;
}

/**
 * A virtualized table. ``columns``: [{id, label, width, render(row), sortable, align}];
 * ``sort``: {id, desc}; clicking a sortable header calls ``onSort(id)``.
 */
export function DataTable({
  columns, rows, rowKey = (row) => row.id, onRowClick, sort, onSort, onEndReached,
  loading, empty = "Nothing here yet.", rowHeight = 38, activeKey,
}) {
  const template = columns.map((c) => c.width || "minmax(120px, 1fr)").join(" ");
  const header = html`
    <div class="dt-row dt-head" role="row" style=${{ gridTemplateColumns: template }}>
      ${columns.map((column) => {
        const sorted = sort && sort.id === column.id;
        const arrow = sorted ? (sort.desc ? " ↓" : " ↑") : "";
        return column.sortable && onSort
          ? html`<button class="dt-cell dt-sort ${sorted ? "sorted" : ""}" role="columnheader"
                   onClick=${() => onSort(column.id)}>${column.label}${arrow}</button>`
          : html`<div class="dt-cell" role="columnheader">${column.label}</div>`;
      })}
    </div>`;
  const renderRow = (index) => {
    const row = rows[index];
    const key = rowKey(row);
    return html`
      <div class="dt-row ${onRowClick ? "clickable" : ""} ${activeKey === key ? "active" : ""}" role="row"
           data-key=${key} style=${{ gridTemplateColumns: template }}
           onClick=${onRowClick ? (event) => onRowClick(row, event) : undefined}>
        ${columns.map((column) => html`
          <div class="dt-cell ${column.align === "right" ? "right" : ""}" role="cell">${column.render(row)}</div>`)}
      </div>`;
  };
  return html`
    <div class="datatable" role="table">
      ${header}
      ${rows.length === 0 && !loading
        ? html`<div class="dt-empty">${empty}</div>`
        : html`<${VirtualList} count=${rows.length} rowHeight=${rowHeight} renderRow=${renderRow}
                 onEndReached=${onEndReached} class="dt-body" />`}
      ${loading ? html`<div class="dt-loading">Loading…</div>` : null}
    </div>`;
}
