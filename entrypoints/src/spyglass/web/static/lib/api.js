// The internal API client: session cookie, CSRF header on writes, errors as ApiError.
// A 401 means the session is gone: the browser is sent to sign in and comes back after.

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, message, details, payload) {
    super(message);
    this.status = status;
    this.details = details;
    this.payload = payload; // the whole answer, for errors that carry more (an import's rows)
  }
}

export function setCsrfToken(token) {
  csrfToken = token;
}

export function signInUrl() {
  const here = location.pathname + location.search;
  return here.startsWith("/sign-") ? "/sign-in" : `/sign-in?next=${encodeURIComponent(here)}`;
}

async function request(method, path, body, { quiet401 = false, raw = null } = {}) {
  const headers = { accept: "application/json" };
  if (raw) headers["content-type"] = raw.type;
  else if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  const response = await fetch(`/api/internal${path}`, {
    method,
    headers,
    credentials: "same-origin",
    body: raw ? raw.body : body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const text = await response.text();
  let payload = null;
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    payload = { message: text };
  }
  if (!response.ok) {
    if (response.status === 401 && !quiet401) {
      window.dispatchEvent(new CustomEvent("spyglass:signed-out"));
    }
    const message = (payload && payload.message) || response.statusText;
    throw new ApiError(response.status, message, payload && payload.error, payload);
  }
  return payload;
}

/** Build a query string from an object, repeating array values and skipping empty ones. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => search.append(key, v));
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export const api = {
  get: (path, params, options) => request("GET", path + query(params), undefined, options),
  post: (path, body = {}, options) => request("POST", path, body, options),
  patch: (path, body = {}, options) => request("PATCH", path, body, options),
  put: (path, body = {}, options) => request("PUT", path, body, options),
  del: (path, options) => request("DELETE", path, undefined, options),
  /** POST a file (or any Blob) as the raw body, with its own content type. */
  upload: (path, blob, type, options) =>
    request("POST", path, undefined, { ...options, raw: { body: blob, type } }),
};

/** The project-scoped path of the internal API: ``/projects/<id><path>``. */
export function projectPath(projectId, path) {
  return `/projects/${encodeURIComponent(projectId)}${path}`;
}
