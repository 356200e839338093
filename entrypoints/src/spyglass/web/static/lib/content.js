// How trace content is shown: JSON as a collapsible tree, markdown sanitized, and chat
// messages as a conversation with roles and tool calls. Content is untrusted input.

import { h } from "../vendor/preact.js";
import htm from "../vendor/htm.js";
import { useEffect, useRef, useState } from "../vendor/preact-hooks.js";
import { marked } from "../vendor/marked.js";
import DOMPurify from "../vendor/purify.js";
import "../vendor/json-viewer.js";

const html = htm.bind(h);

// Trace content is written by whoever calls the model: keep it from restyling the page,
// drawing forms, or telling a remote server who looked at it (remote images).
const SANITIZE = {
  FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "dialog", "iframe"],
  FORBID_ATTR: ["style"],
};
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "IMG") {
    const src = node.getAttribute("src") || "";
    if (!src.startsWith("data:image/") && new URL(src, location.href).origin !== location.origin) {
      const link = document.createElement("a");
      link.textContent = `[remote image: ${src}]`;
      link.setAttribute("href", src);
      node.replaceWith(link);
    }
  }
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

/** Sanitized markdown. */
export function Markdown({ text }) {
  const rendered = DOMPurify.sanitize(marked.parse(String(text ?? ""), { async: false }), SANITIZE);
  return html`<div class="markdown" dangerouslySetInnerHTML=${{ __html: rendered }}></div>`;
}

/** A collapsible, searchable JSON tree (the json-viewer web component). */
export function JsonTree({ value, expanded = 2 }) {
  const ref = useRef(null);
  useEffect(() => {
    if (ref.current) ref.current.data = value;
  }, [value]);
  return html`<andypf-json-viewer ref=${ref} class="json-tree" expanded=${String(expanded)}
    indent="2" show-data-types="false" show-toolbar="false" show-size="true" show-copy="true"
    expand-icon-type="arrow" theme="default-light"></andypf-json-viewer>`;
}

/** True when ``value`` looks like a list of chat messages ({role, content}). */
export function isChat(value) {
  return Array.isArray(value) && value.length > 0 &&
    value.every((m) => m && typeof m === "object" && typeof m.role === "string");
}

/** The chat messages in ``value``: a list, ``{messages}``, one message, or OpenAI ``choices``. */
function chatMessages(value) {
  if (isChat(value)) return value;
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  if (isChat(value.messages)) return value.messages;
  if (typeof value.role === "string" && ("content" in value || "tool_calls" in value)) return [value];
  if (Array.isArray(value.choices)) {
    const messages = value.choices.map((choice) => choice && choice.message).filter(Boolean);
    if (isChat(messages)) return messages;
  }
  return null;
}

function partText(part) {
  if (typeof part === "string") return part;
  if (part && typeof part === "object") {
    if (typeof part.text === "string") return part.text;
    if (part.type === "image_url" && part.image_url) return `![image](${part.image_url.url || part.image_url})`;
  }
  return null;
}

function MessageContent({ content }) {
  if (content === null || content === undefined || content === "") return null;
  if (typeof content === "string") return html`<${Markdown} text=${content} />`;
  if (Array.isArray(content)) {
    const texts = content.map(partText);
    if (texts.every((t) => t !== null)) return html`<${Markdown} text=${texts.join("\n\n")} />`;
  }
  return html`<${JsonTree} value=${content} />`;
}

function ToolCalls({ calls }) {
  return html`${calls.map((call) => {
    const fn = call.function || call;
    let args = fn.arguments ?? fn.input ?? fn.args;
    if (typeof args === "string") {
      try { args = JSON.parse(args); } catch { /* shown as text */ }
    }
    return html`<div class="tool-call">
      <div class="tool-name">→ ${fn.name || call.name || "tool call"}${call.id ? html` <span class="muted">${call.id}</span>` : null}</div>
      ${typeof args === "string" ? html`<pre>${args}</pre>` : html`<${JsonTree} value=${args} />`}
    </div>`;
  })}`;
}

/** Chat messages as a conversation: one bubble per message, roles, tool calls. */
export function ChatView({ messages }) {
  return html`<div class="chat">
    ${messages.map((message, index) => {
      const calls = message.tool_calls || message.toolCalls ||
        (Array.isArray(message.content) ? message.content.filter((p) => p && p.type === "tool_use") : []);
      const content = Array.isArray(message.content)
        ? message.content.filter((p) => !(p && p.type === "tool_use"))
        : message.content;
      return html`<div class="message role-${message.role}" key=${index}>
        <div class="role">${message.role}${message.name ? ` · ${message.name}` : ""}${message.tool_call_id ? html` <span class="muted">${message.tool_call_id}</span>` : null}</div>
        <${MessageContent} content=${content} />
        ${calls && calls.length ? html`<${ToolCalls} calls=${calls} />` : null}
      </div>`;
    })}
  </div>`;
}

/**
 * Any input/output value: chat messages as a conversation, strings as markdown, other
 * JSON as a tree; a toggle shows the raw JSON of anything.
 */
export function ContentView({ value, label }) {
  const [raw, setRaw] = useState(false);
  if (value === null || value === undefined) {
    return html`<div class="content-empty">${label ? `No ${label.toLowerCase()}` : "Empty"}</div>`;
  }
  const messages = chatMessages(value);
  let body;
  if (raw) body = typeof value === "string" ? html`<pre class="raw">${value}</pre>` : html`<${JsonTree} value=${value} expanded=${5} />`;
  else if (messages) body = html`<${ChatView} messages=${messages} />`;
  else if (typeof value === "string") body = html`<${Markdown} text=${value} />`;
  else if (typeof value !== "object") body = html`<pre class="raw">${String(value)}</pre>`;
  else body = html`<${JsonTree} value=${value} />`;
  return html`<section class="content-view">
    <header>${label ? html`<h4>${label}</h4>` : null}
      <button class="link small" onClick=${() => setRaw(!raw)}>${raw ? "Formatted" : "JSON"}</button></header>
    ${body}
  </section>`;
}
