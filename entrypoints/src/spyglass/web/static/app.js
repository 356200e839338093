// The shell: session, project selection, sidebar, and routing to the registered pages.

import {
  html, render, useEffect, useState, api, navigate, useLocation, roleAllows,
  Dialog, ErrorBox, Field, Spinner, projectUrl,
} from "./ui.js";
import { setCsrfToken, signInUrl } from "./lib/api.js";
import { matchPattern, safeDecode } from "./lib/router.js";
import { allPages, registryFor } from "./lib/registry.js";
import { SignInPage, SignUpPage } from "./pages/auth.js";
import { registerShellPages, settingsTabs } from "./pages/settings.js";

registerShellPages();

const PUBLIC_PAGES = { "/sign-in": SignInPage, "/sign-up": SignUpPage };

async function loadSession() {
  try {
    const session = await api.get("/auth/session", undefined, { quiet401: true });
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}

let manifestPromise = null;
/** The plugins' UI manifest, importing every plugin's entry module once. */
function loadManifest() {
  if (!manifestPromise) {
    manifestPromise = api.get("/ui").then(async (manifest) => {
      const results = await Promise.allSettled(
        manifest.plugins.map(async (plugin) => {
          const module = await import(plugin.entry);
          if (typeof module.default === "function") module.default(registryFor(plugin.name));
        }),
      );
      const failed = manifest.plugins.filter((_, i) => results[i].status === "rejected").map((p) => p.name);
      results.filter((r) => r.status === "rejected").forEach((r) => console.error(r.reason));
      return { ...manifest, failed };
    });
    manifestPromise.catch(() => {
      manifestPromise = null; // the next page asks again
    });
  }
  return manifestPromise;
}

function NewProject({ project, onCreated }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState(null);
  if (!roleAllows(project.role, "ADMIN")) return null;
  const submit = async (event) => {
    event.preventDefault();
    const name = new FormData(event.target).get("name");
    try {
      const created = await api.post(`/organizations/${encodeURIComponent(project.organizationId)}/projects`, { name });
      setOpen(false);
      await onCreated();
      navigate(projectUrl(created.id, "settings", "api-keys"));
    } catch (e) {
      setError(e);
    }
  };
  return html`<button class="link" onClick=${() => setOpen(true)}>+ New project</button>
    <${Dialog} open=${open} title=${`New project in ${project.organizationName}`} onClose=${() => setOpen(false)}>
      <form class="stack" onSubmit=${submit}>
        <${ErrorBox} error=${error} />
        <${Field} label="Name"><input name="name" required maxlength="200" autofocus /><//>
        <div><button class="primary" type="submit">Create project</button></div>
      </form>
    <//>`;
}

function Sidebar({ session, projects, project, manifest, path, onProjectsChanged }) {
  const main = manifest.plugins.flatMap((p) => p.navigation.filter((n) => n.section === "main"));
  main.sort((a, b) => a.order - b.order || a.label.localeCompare(b.label));
  const here = path.replace(/^\/project\/[^/]+\/?/, "");
  const active = (target) => here === target || here.startsWith(`${target}/`);
  return html`<nav class="sidebar" aria-label="Main">
    <a class="brand" href="/">Spyglass</a>
    <label class="project-picker"><span class="muted">Project</span>
      <select aria-label="Project" value=${project.id}
        onChange=${(e) => navigate(projectUrl(e.target.value, here.split("/")[0] || "traces"))}>
        ${projects.map((p) => html`<option value=${p.id}>${p.organizationName} / ${p.name}</option>`)}
      </select></label>
    <div class="project-actions"><${NewProject} project=${project} onCreated=${onProjectsChanged} /></div>
    <ul>
      ${main.map((entry) => html`<li><a class=${active(entry.path) ? "active" : ""}
        href=${projectUrl(project.id, ...entry.path.split("/"))}>${entry.label}</a></li>`)}
      <li><a class=${active("settings") ? "active" : ""} href=${projectUrl(project.id, "settings")}>Settings</a></li>
    </ul>
    <div class="sidebar-foot">
      <div class="muted" title=${session.user.email}>${session.user.email}</div>
      <div class="muted">Role: ${project.role}</div>
      <button class="link" onClick=${async () => {
        await api.post("/auth/sign-out").catch(() => null);
        location.assign("/sign-in");
      }}>Sign out</button>
    </div>
  </nav>`;
}

function NotFound() {
  return html`<div class="page"><h1>Not found</h1><p>This page does not exist, or its plugin is not installed.</p>
    <p><a href="/">Back to the start</a></p></div>`;
}

function ProjectPage({ session, projects, projectId, rest, query, path, onProjectsChanged }) {
  const [manifest, setManifest] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    loadManifest().then(setManifest, setError);
  }, []);
  const project = projects.find((p) => p.id === projectId);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (!manifest) return html`<${Spinner} />`;
  if (!project) {
    return html`<div class="page"><h1>No access</h1>
      <p>This project does not exist or you are not a member of its organization.</p>
      <p><a href="/">Your projects</a></p></div>`;
  }
  const segments = rest ? rest.split("/").filter(Boolean) : [];
  if (segments.length === 0) {
    navigate(projectUrl(project.id, "traces"), { replace: true });
    return null;
  }
  let page = null;
  let params = null;
  for (const candidate of allPages()) {
    params = matchPattern(candidate.pattern, segments);
    if (params) {
      page = candidate;
      break;
    }
  }
  const Component = page ? page.component : NotFound;
  document.title = page && page.title ? `${page.title} · Spyglass` : "Spyglass";
  return html`<div class="layout">
    <${Sidebar} session=${session} projects=${projects} project=${project} manifest=${manifest} path=${path}
      onProjectsChanged=${onProjectsChanged} />
    <main class="main">
      ${manifest.failed.length ? html`<${ErrorBox} error=${{ message: `Pages of ${manifest.failed.join(", ")} failed to load` }} />` : null}
      <${Component} key=${path} projectId=${project.id} project=${project} params=${params || {}}
        query=${query} session=${session} manifest=${manifest} settingsTabs=${settingsTabs(manifest)} />
    </main>
  </div>`;
}

function Home({ projects }) {
  useEffect(() => {
    if (projects.length > 0) {
      const last = localStorage.getItem("spyglass.project");
      const chosen = projects.find((p) => p.id === last) || projects[0];
      navigate(projectUrl(chosen.id, "traces"), { replace: true });
    }
  }, []);
  if (projects.length > 0) return null;
  return html`<div class="page narrow"><h1>No project yet</h1>
    <p>You are not a member of any organization. Ask an admin for an invitation link.</p></div>`;
}

function App() {
  const { path, query } = useLocation();
  const [state, setState] = useState({ loading: true });
  const reload = async () => {
    try {
      const session = await loadSession();
      const projects = session ? await api.get("/projects") : [];
      setState({ loading: false, session, projects });
    } catch (error) {
      setState({ loading: false, error });
    }
  };
  useEffect(() => {
    reload();
    const signedOut = () => location.assign(signInUrl());
    window.addEventListener("spyglass:signed-out", signedOut);
    return () => window.removeEventListener("spyglass:signed-out", signedOut);
  }, []);
  if (state.loading) return html`<${Spinner} />`;
  if (state.error) return html`<${ErrorBox} error=${state.error} retry=${reload} />`;
  const Public = PUBLIC_PAGES[path];
  if (Public) return html`<${Public} query=${query} session=${state.session} onSignedIn=${reload} />`;
  if (!state.session) {
    location.replace(signInUrl());
    return null;
  }
  const match = path.match(/^\/project\/([^/]+)\/?(.*)$/);
  if (match) {
    const projectId = safeDecode(match[1]);
    localStorage.setItem("spyglass.project", projectId);
    return html`<${ProjectPage} session=${state.session} projects=${state.projects}
      projectId=${projectId} rest=${match[2]} query=${query} path=${path} onProjectsChanged=${reload} />`;
  }
  return html`<${Home} projects=${state.projects} />`;
}

const root = document.getElementById("app");
root.textContent = ""; // the boot message
render(html`<${App} />`, root);
