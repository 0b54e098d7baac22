// The routes of the portal and which sections each role sees.
import { el } from './dom.js';
import { feesView, mapView, parcelView, signInFailedView } from './views/public.js';
import { surveyorView } from './views/surveyor.js';
import { notaryView } from './views/notary.js';
import { queueView } from './views/queue.js';
import { plannerView } from './views/planner.js';
import { citizenView } from './views/citizen.js';
import { deedsView } from './views/deeds.js';
import { conversionsView } from './views/conversions.js';

export const routes = {
  '': mapView,
  parcel: parcelView,
  fees: feesView,
  'signin-failed': signInFailedView,
  surveys: surveyorView,
  notary: notaryView,
  queue: queueView,
  planner: plannerView,
  me: citizenView,
  deeds: deedsView,
  conversions: conversionsView,
};

/** The section links for a person (or the public). */
export function sectionsFor(user) {
  const roles = user?.roles ?? [];
  const links = [['#/', 'Map'], ['#/fees', 'Fees'], ['#/conversions', 'Land notices']];
  if (roles.includes('surveyor')) links.push(['#/surveys', 'My surveys']);
  if (roles.includes('notary')) links.push(['#/notary', 'Transactions']);
  if (roles.includes('registrar') || roles.includes('examiner')) links.push(['#/queue', 'Work queue']);
  if (['registrar', 'examiner', 'notary', 'administrator'].some((r) => roles.includes(r))) links.push(['#/deeds', 'Deeds']);
  if (roles.includes('planner')) links.push(['#/planner', 'Hazard analysis']);
  if (user) links.push(['#/me', 'My records']);
  return links;
}

export function renderAccount(nav, user, { signIn, signOut }) {
  nav.replaceChildren();
  if (user) {
    nav.append(el('span', { id: 'who' }, `Signed in as ${user.name ?? user.userName} (${user.roles.join(', ')})`),
      el('button', { type: 'button', onclick: signOut }, 'Sign out'));
  } else {
    nav.append(el('button', { type: 'button', id: 'sign-in', onclick: signIn }, 'Sign in'));
  }
}
