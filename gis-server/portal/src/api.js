// Talking to the platform: JSON in and out, the signed-in person's token, and every failure turned
// into a sentence a person can read (a problem's `detail`, never a stack or raw JSON).
import { accessToken, signOut } from './auth.js';

/** A failure the page shows as it is: `message` is written for people. */
export class ApiError extends Error {
  constructor(message, status, problem) {
    super(message);
    this.status = status;
    this.problem = problem;
  }
}

const plainWords = {
  401: 'Your session has ended. Please sign in again.',
  403: 'Your account is not allowed to do this.',
  404: 'Nothing was found there.',
  413: 'The file is too large.',
  429: 'Too many requests in a short time. Wait a minute and try again.',
  500: 'Something went wrong on the server. Please try again later.',
  502: 'A service the platform depends on did not answer. Please try again later.',
  503: 'The service is not available right now. Please try again later.',
  504: 'A service the platform depends on did not answer in time. Please try again later.',
};

/** The sentence to show for a failed response (problem details' detail where given). */
export async function explain(response) {
  let problem = null;
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try { problem = await response.json(); } catch { problem = null; }
  }
  let message = typeof problem?.detail === 'string' && problem.detail.trim() ? problem.detail
    : typeof problem?.error_description === 'string' ? problem.error_description
      : typeof problem?.title === 'string' && response.status < 500 ? problem.title
        : plainWords[response.status] ?? `The request could not be completed (status ${response.status}).`;
  if (response.status === 401) message = plainWords[401];
  return new ApiError(message, response.status, problem);
}

/**
 * Calls the API. `body` is sent as JSON, `form` (FormData) as multipart. Answers parsed JSON, the text
 * for other types, or null for 204. Throws ApiError with words to show.
 */
export async function api(path, { method = 'GET', body, form, headers = {} } = {}) {
  const token = accessToken();
  const sent = { method, headers: { Accept: 'application/json', ...headers } };
  if (token) sent.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    sent.headers['Content-Type'] = 'application/json';
    sent.body = JSON.stringify(body);
  } else if (form) {
    sent.body = form;
  }
  let response;
  try {
    response = await fetch(path, sent);
  } catch {
    throw new ApiError('The platform could not be reached. Check your connection and try again.', 0, null);
  }
  if (!response.ok) {
    const error = await explain(response);
    if (response.status === 401 && token) signOut({ quiet: true });
    throw error;
  }
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') ?? '';
  return type.includes('json') ? response.json() : response.text();
}

/** Uploads a multipart form with progress (0..1) reported while the bytes go out. */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', path);
    request.setRequestHeader('Accept', 'application/json');
    const token = accessToken();
    if (token) request.setRequestHeader('Authorization', `Bearer ${token}`);
    request.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    request.addEventListener('error', () => reject(new ApiError('The platform could not be reached. Check your connection and try again.', 0, null)));
    request.addEventListener('load', async () => {
      const response = new Response(request.responseText || null, {
        status: request.status, headers: { 'content-type': request.getResponseHeader('content-type') ?? '' },
      });
      if (request.status >= 200 && request.status < 300) resolve(request.responseText ? JSON.parse(request.responseText) : null);
      else reject(await explain(response));
    });
    request.send(form);
  });
}

/** Text for an error of any kind: ApiError's words, else a general sentence (never a stack). */
export function wordsFor(error) {
  return error instanceof ApiError ? error.message : 'Something went wrong in the page. Please reload and try again.';
}

/**
 * Opens something only a signed-in person may read (a scan, a printable report) in a new tab: fetched with the
 * token, shown from a blob. The tab is opened at once (so the browser does not block it) and closed on failure,
 * the failure written into `status` in words.
 */
export async function openAuthorised(path, status, what) {
  status.replaceChildren();
  const tab = window.open('', '_blank');
  try {
    const token = accessToken();
    const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (!response.ok) throw await explain(response);
    const url = URL.createObjectURL(await response.blob());
    if (tab) tab.location.href = url;
    else status.replaceChildren(Object.assign(document.createElement('a'), { href: url, target: '_blank', textContent: `Open ${what}` }));
  } catch (error) {
    tab?.close();
    const p = document.createElement('p');
    p.className = 'alert';
    p.setAttribute('role', 'alert');
    p.textContent = `${what[0].toUpperCase()}${what.slice(1)} could not be opened: ${wordsFor(error)}`;
    status.replaceChildren(p);
  }
}
