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
