// A keyset-paged list loaded on scroll: {items, nextCursor} pages from the internal API.

import { useEffect, useRef, useState } from "../vendor/preact-hooks.js";
import { api } from "./api.js";

/**
 * Rows of a keyset-paged endpoint: the first page on mount (and when ``path`` or
 * ``params`` change), the next one each time ``more()`` is called.
 */
export function usePaged(path, params, limit = 50) {
  const [state, setState] = useState({ rows: [], cursor: null, done: false, loading: true, error: null });
  const generation = useRef(0);
  const key = path + JSON.stringify(params || {});
  const first = async () => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const page = await api.get(path, { ...params, limit });
      if (mine === generation.current) {
        setState({ rows: page.items, cursor: page.nextCursor, done: !page.nextCursor, loading: false, error: null });
      }
    } catch (error) {
      if (mine === generation.current) setState({ rows: [], cursor: null, done: true, loading: false, error });
    }
  };
  useEffect(() => { first(); }, [key]);
  const more = async () => {
    if (state.loading || state.done) return;
    const mine = generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const page = await api.get(path, { ...params, limit, cursor: state.cursor });
      if (mine === generation.current) {
        setState((s) => ({ ...s, rows: [...s.rows, ...page.items], cursor: page.nextCursor, done: !page.nextCursor, loading: false }));
      }
    } catch (error) {
      setState((s) => ({ ...s, loading: false, error }));
    }
  };
  return { ...state, more, reload: first };
}
