// Sign-in: OpenID Connect authorization code with PKCE, public client `portal`. The tokens live in
// sessionStorage (this tab only) and go with API calls as a bearer token.
const clientId = 'portal';
const key = 'lp.session';
const pendingKey = 'lp.signin';

function base64Url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText() {
  return base64Url(crypto.getRandomValues(new Uint8Array(32)));
}

const redirectUri = () => `${location.origin}/signin-callback`;

/** The signed-in person ({ name, userName, roles, uin }) or null. */
export function currentUser() {
  const session = read();
  return session?.user ?? null;
}

export function accessToken() {
  const session = read();
  if (!session) return null;
  if (session.expiresAt && Date.now() > session.expiresAt) {
    sessionStorage.removeItem(key);
    return null;
  }
  return session.accessToken;
}

export function hasRole(role) {
  return currentUser()?.roles?.includes(role) ?? false;
}

function read() {
  try { return JSON.parse(sessionStorage.getItem(key) ?? 'null'); } catch { return null; }
}

/** Sends the browser to the sign-in page; it comes back to /signin-callback, then to `returnTo`. */
export async function signIn(returnTo = location.hash || '#/') {
  const verifier = randomText();
  const state = randomText();
  const challenge = base64Url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(pendingKey, JSON.stringify({ verifier, state, returnTo }));
  const query = new URLSearchParams({
    client_id: clientId, response_type: 'code', redirect_uri: redirectUri(), scope: 'openid profile roles',
    code_challenge: challenge, code_challenge_method: 'S256', state,
  });
  location.assign(`/connect/authorize?${query}`);
}

/** On /signin-callback: trades the code for tokens, reads who signed in, and returns where to go next. */
export async function completeSignIn() {
  const params = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem(pendingKey) ?? 'null');
  sessionStorage.removeItem(pendingKey);
  if (params.get('error')) throw new Error(params.get('error_description') ?? 'The sign-in was not completed.');
  if (!pending || pending.state !== params.get('state')) throw new Error('The sign-in could not be matched to this page. Please sign in again.');
  const response = await fetch('/connect/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', client_id: clientId, code: params.get('code') ?? '',
      redirect_uri: redirectUri(), code_verifier: pending.verifier,
    }),
  });
  const tokens = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(tokens.error_description ?? 'The sign-in was refused. Please try again.');
  const info = await fetch('/connect/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  const profile = info.ok ? await info.json() : {};
  const roles = Array.isArray(profile.role) ? profile.role : profile.role ? [profile.role] : [];
  sessionStorage.setItem(key, JSON.stringify({
    accessToken: tokens.access_token,
    expiresAt: Date.now() + ((tokens.expires_in ?? 3600) - 30) * 1000,
    user: { name: profile.name ?? profile.preferred_username, userName: profile.preferred_username, roles, uin: profile.uin ?? null },
  }));
  return pending.returnTo || '#/';
}

export function signOut({ quiet = false } = {}) {
  sessionStorage.removeItem(key);
  if (!quiet) location.assign('/connect/logout');
}
