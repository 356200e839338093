// Pages registered by the shell and by plugins, matched under /project/:projectId/.

const pages = [];

export function registerPage(pattern, component, options = {}) {
  pages.push({ pattern: pattern.replace(/^\/+|\/+$/g, ""), component, title: options.title || "" });
}

export function allPages() {
  return pages;
}

/** The registry object handed to a plugin's entry module. */
export function registryFor(pluginName) {
  return {
    plugin: pluginName,
    page: (pattern, component, options) => registerPage(pattern, component, options),
  };
}

/**
 * A page component whose module is imported the first time it is shown, so that
 * opening one page does not download every page of every plugin:
 * ``ui.page("prompts", lazy(() => import(<module URL>), "PromptsPage"))``.
 */
export function lazyPage(load, exportName, { h, useEffect, useState, Placeholder }) {
  let Loaded = null;
  let pending = null;
  return function LazyPage(props) {
    const [, setReady] = useState(false);
    if (!Loaded && !pending) {
      pending = load().then((module) => {
        Loaded = module[exportName];
      });
    }
    useEffect(() => {
      let live = true;
      // Always wait on the import: it may finish between this render and the effect
      // (a busy machine runs effects late), and checking ``Loaded`` here then skipped
      // the re-render, leaving the page on its placeholder for good.
      pending.then(() => live && setReady(true));
      return () => {
        live = false;
      };
    }, []);
    return Loaded ? h(Loaded, props) : h(Placeholder, {});
  };
}
