// Sign in, sign up (from a sign-up or invitation link), and accepting an invitation.

import { html, useState, api, navigate, Field, Notice } from "../ui.js";
import { setCsrfToken } from "../lib/api.js";

function safeNext(query) {
  // Only this site: a crafted link must not send the user elsewhere after sign-in.
  try {
    const next = new URL(query.get("next") || "/", location.origin);
    return next.origin === location.origin ? next.pathname + next.search : "/";
  } catch {
    return "/";
  }
}

function AuthCard({ title, children }) {
  return html`<div class="auth-page"><div class="auth-card">
    <div class="brand big">Spyglass</div><h1>${title}</h1>${children}</div></div>`;
}

export function SignInPage({ query, onSignedIn }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    setBusy(true);
    setError(null);
    try {
      const session = await api.post("/auth/sign-in", { email: form.get("email"), password: form.get("password") }, { quiet401: true });
      setCsrfToken(session.csrfToken);
      await onSignedIn();
      navigate(safeNext(query), { replace: true });
    } catch (e) {
      setError(e.status === 401 ? "Wrong email or password." : e.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<${AuthCard} title="Sign in">
    ${error ? html`<${Notice} kind="error">${error}<//>` : null}
    <form onSubmit=${submit} class="stack">
      <${Field} label="Email"><input name="email" type="email" autocomplete="username" required autofocus /><//>
      <${Field} label="Password"><input name="password" type="password" autocomplete="current-password" required /><//>
      <button class="primary" type="submit" disabled=${busy}>${busy ? "Signing in…" : "Sign in"}</button>
    </form>
  <//>`;
}

export function SignUpPage({ query, session, onSignedIn }) {
  const token = query.get("token") || "";
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  if (session && token) {
    const accept = async () => {
      try {
        await api.post("/invitations/accept", { token });
        await onSignedIn();
        navigate("/", { replace: true });
      } catch (e) {
        setError(e.message);
      }
    };
    return html`<${AuthCard} title="Join an organization">
      ${error ? html`<${Notice} kind="error">${error}<//>` : null}
      <p>You are signed in as ${session.user.email}. Accept the invitation to join its organization.</p>
      <button class="primary" onClick=${accept}>Accept invitation</button>
    <//>`;
  }
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    if (form.get("password") !== form.get("confirm")) {
      setError("The two passwords differ.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = { email: form.get("email"), password: form.get("password"), name: form.get("name") || null };
      if (token) body.invitationToken = token;
      const created = await api.post("/auth/sign-up", body, { quiet401: true });
      setCsrfToken(created.csrfToken);
      await onSignedIn();
      navigate("/", { replace: true });
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<${AuthCard} title="Create your account">
    ${error ? html`<${Notice} kind="error">${error}<//>` : null}
    <form onSubmit=${submit} class="stack">
      <${Field} label="Name"><input name="name" autocomplete="name" /><//>
      <${Field} label="Email"><input name="email" type="email" autocomplete="username" required /><//>
      <${Field} label="Password" hint="At least 8 characters."><input name="password" type="password" minlength="8" autocomplete="new-password" required /><//>
      <${Field} label="Repeat password"><input name="confirm" type="password" minlength="8" autocomplete="new-password" required /><//>
      <button class="primary" type="submit" disabled=${busy}>${busy ? "Creating…" : "Create account"}</button>
    </form>
    <p class="muted">Already have an account? <a href="/sign-in">Sign in</a></p>
  <//>`;
}
