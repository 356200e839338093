// Data hooks shared by the pages.

import { useCallback, useEffect, useRef, useState } from "../vendor/preact-hooks.js";
import { api } from "./api.js";

/**
 * GET an internal API path; re-fetches when ``path`` or ``params`` change.
 * Returns {data, error, loading, reload}. A stale answer never overwrites a newer one.
 */
export function useApi(path, params) {
  const [state, setState] = useState({ data: null, error: null, loading: Boolean(path) });
  const generation = useRef(0);
  const key = path ? path + JSON.stringify(params || {}) : null;
  const load = useCallback(async () => {
    if (!path) return;
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await api.get(path, params);
      if (mine === generation.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === generation.current) setState({ data: null, error, loading: false });
    }
  }, [key]);
  useEffect(() => {
    load();
  }, [load]);
  return { ...state, reload: load };
}

/** ``value`` once it has stopped changing for ``delay`` ms. */
export function useDebounced(value, delay = 300) {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

/** Call ``callback`` every ``ms`` while ``active``, skipping hidden tabs. */
export function useInterval(callback, ms, active = true) {
  const saved = useRef(callback);
  saved.current = callback;
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => {
      if (!document.hidden) saved.current();
    }, ms);
    return () => clearInterval(timer);
  }, [ms, active]);
}

/** Run ``handler(event)`` on keydown unless the user is typing in a field. */
export function useHotkeys(handler, deps = []) {
  useEffect(() => {
    const listener = (event) => {
      const target = event.target;
      const typing =
        target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
      if (typing || event.metaKey || event.ctrlKey || event.altKey) return;
      handler(event);
    };
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, deps);
}
