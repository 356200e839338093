// Small shared widgets: errors, empty states, tabs, dialogs, a multi-select, copy.

import { h } from "../vendor/preact.js";
import htm from "../vendor/htm.js";
import { useEffect, useRef, useState } from "../vendor/preact-hooks.js";

const html = htm.bind(h);

export function ErrorBox({ error, retry }) {
  if (!error) return null;
  const denied = error.status === 403;
  return html`<div class="error-box" role="alert">
    <strong>${denied ? "Not allowed" : "Something went wrong"}</strong>
    <span>${error.message || String(error)}</span>
    ${retry ? html`<button class="link" onClick=${retry}>Retry</button>` : null}
  </div>`;
}

export function Notice({ kind = "info", children }) {
  return html`<div class="notice notice-${kind}" role=${kind === "error" ? "alert" : "status"}>${children}</div>`;
}

export function Spinner({ label = "Loading…" }) {
  return html`<div class="spinner" aria-busy="true">${label}</div>`;
}

export function Empty({ title, children }) {
  return html`<div class="empty"><h3>${title}</h3>${children}</div>`;
}

export function Badge({ kind = "", children, title }) {
  return html`<span class="badge ${kind}" title=${title}>${children}</span>`;
}

export function Tabs({ tabs, active, onChange }) {
  return html`<div class="tabs" role="tablist">
    ${tabs.map((tab) => html`<button role="tab" aria-selected=${tab.id === active}
      class=${tab.id === active ? "active" : ""} onClick=${() => onChange(tab.id)}>${tab.label}</button>`)}
  </div>`;
}

/** A modal dialog (native <dialog>); closes on Escape and on the backdrop. */
export function Dialog({ open, title, onClose, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return html`<dialog ref=${ref} class="dialog" onClose=${onClose}
      onClick=${(e) => e.target === ref.current && onClose()}>
    <header><h3>${title}</h3><button class="link" aria-label="Close" onClick=${onClose}>✕</button></header>
    <div class="dialog-body">${open ? children : null}</div>
  </dialog>`;
}

/** Copy ``text``; the Clipboard API needs HTTPS or localhost, so fall back to execCommand. */
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch { /* fall back below */ }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  return ok;
}

export function CopyButton({ text, label = "Copy" }) {
  const [done, setDone] = useState(false);
  return html`<button class="small" onClick=${async (e) => {
    e.stopPropagation();
    const ok = await copyText(text);
    setDone(ok ? "Copied" : "Select and copy");
    setTimeout(() => setDone(false), 1500);
  }}>${done || label}</button>`;
}

/** A dropdown of checkboxes with a search box; ``value`` is the array of chosen options. */
export function MultiSelect({ label, options, value, onChange, name }) {
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState("");
  const ref = useRef(null);
  useEffect(() => {
    if (!open) return undefined;
    const close = (event) => ref.current && !ref.current.contains(event.target) && setOpen(false);
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);
  const chosen = new Set(value || []);
  const shown = (options || []).filter((o) => String(o).toLowerCase().includes(filter.toLowerCase())).slice(0, 200);
  const toggle = (option) => {
    const next = new Set(chosen);
    if (next.has(option)) next.delete(option);
    else next.add(option);
    onChange([...next]);
  };
  return html`<div class="multiselect" ref=${ref} data-filter=${name || label}>
    <button class="filter-button ${chosen.size ? "on" : ""}" onClick=${() => setOpen(!open)}
      aria-expanded=${open}>${label}${chosen.size ? `: ${chosen.size === 1 ? [...chosen][0] : chosen.size}` : ""} ▾</button>
    ${open ? html`<div class="popover">
      <input type="search" placeholder="Filter…" value=${filter} onInput=${(e) => setFilter(e.target.value)} />
      <div class="options">
        ${shown.length === 0 ? html`<div class="muted">No values</div>` : null}
        ${shown.map((option) => html`<label key=${option}>
          <input type="checkbox" checked=${chosen.has(option)} onChange=${() => toggle(option)} /> ${option}</label>`)}
      </div>
      ${chosen.size ? html`<button class="link small" onClick=${() => onChange([])}>Clear</button>` : null}
    </div>` : null}
  </div>`;
}

/** A form field with its label. */
export function Field({ label, children, hint }) {
  return html`<label class="field"><span>${label}</span>${children}${hint ? html`<small class="muted">${hint}</small>` : null}</label>`;
}
