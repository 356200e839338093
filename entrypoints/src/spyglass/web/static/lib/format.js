// Formatting of times, durations, costs and counts, the same everywhere in the UI.

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit",
});

export function formatTime(value) {
  if (!value) return "";
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : dateTime.format(date);
}

export function relativeTime(value) {
  if (!value) return "";
  const seconds = (Date.now() - new Date(value).getTime()) / 1000;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** Seconds as ``850ms`` / ``2.35s`` / ``3m 20s``. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "";
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds.toFixed(2)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m ${Math.round(seconds - minutes * 60)}s`;
}

/** USD with enough digits for per-call LLM prices. */
export function formatCost(value) {
  if (value === null || value === undefined) return "";
  if (value === 0) return "$0";
  if (Math.abs(value) < 0.0001) return `$${value.toExponential(2)}`;
  if (Math.abs(value) < 1) return `$${value.toFixed(6).replace(/0+$/, "")}`;
  return `$${value.toFixed(2)}`;
}

const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
const plain = new Intl.NumberFormat();

export function formatNumber(value, { short = false } = {}) {
  if (value === null || value === undefined) return "";
  return short ? compact.format(value) : plain.format(value);
}

export function formatScore(score) {
  if (score.stringValue !== null && score.stringValue !== undefined) return score.stringValue;
  if (score.value === null || score.value === undefined) return "";
  return Number.isInteger(score.value) ? String(score.value) : score.value.toFixed(3);
}

export function truncate(text, length = 120) {
  if (text === null || text === undefined) return "";
  const value = typeof text === "string" ? text : JSON.stringify(text);
  return value.length > length ? `${value.slice(0, length)}…` : value;
}
