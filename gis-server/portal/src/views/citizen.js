// The citizen: my parcels (titles held in my name), my applications, my tax bills.
import { api, wordsFor } from '../api.js';
import { el, table } from '../dom.js';
import { stateWords } from './notary.js';

export async function citizenView({ view, user, signIn, mapTools }) {
  mapTools.clearOverlay();
  if (!user) {
    view.append(el('h2', {}, 'My records'), el('p', {}, 'Sign in to see your parcels and applications.'), el('button', { type: 'button', onclick: signIn }, 'Sign in'));
    return;
  }
  view.append(el('h2', {}, `My records — ${user.name}`));

  view.append(el('h3', {}, 'My parcels'));
  try {
    // The register's search by owner name; the register shows a signed-in person their own UIN (and
    // nobody else's), so only titles held under the person's UIN count, never a namesake's. (The search
    // by UIN itself is for registry staff.)
    const hits = await api(`/api/registry/search?name=${encodeURIComponent(user.name)}&limit=100`);
    const mine = user.uin ? hits.filter((h) => h.owners.some((o) => o.uin === user.uin)) : [];
    view.append(mine.length === 0 ? el('p', { id: 'my-parcels' }, 'The register holds no title in your name.') : table('My parcels', [
      ['Title', (h) => h.titleNumber],
      ['Parcels', (h) => el('span', {}, h.parcels.map((p, i) => [i ? ', ' : '', el('a', { href: `#/parcel/${p.upi}` }, p.upi)]))],
      ['Address', (h) => h.parcels.map((p) => p.address ?? '').join('; ')],
      ['Share', (h) => h.owners.filter((o) => o.uin === user.uin).map((o) => o.share).join(', ')],
    ], mine));
  } catch (error) {
    view.append(el('p', { class: 'alert' }, wordsFor(error)));
  }

  view.append(el('h3', {}, 'My applications'));
  const roles = user.roles;
  if (roles.includes('surveyor')) {
    view.append(el('p', {}, el('a', { href: '#/surveys' }, 'Your surveys')));
  } else if (roles.includes('notary')) {
    view.append(el('p', {}, el('a', { href: '#/notary' }, 'Your transactions')));
  } else {
    view.append(el('p', { id: 'my-applications' }, 'No application can be lodged or followed here yet: building permits come with the permits service.'));
  }

  view.append(el('h3', {}, 'My tax bills'));
  view.append(el('p', { id: 'my-tax' }, 'Property tax bills are not yet published on the platform.'));
  void stateWords;
}
