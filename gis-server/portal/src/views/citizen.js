// The citizen: my parcels (titles held in my name), my applications, my tax bills.
import { api, wordsFor } from '../api.js';
import { el, money, table } from '../dom.js';
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
    view.append(mine.length === 0 ? el('p', { id: 'my-parcels' }, 'The register holds no title in your name.') : el('div', { id: 'my-parcels' }, table('My parcels', [
      ['Title', (h) => h.titleNumber],
      ['Parcels', (h) => el('span', {}, h.parcels.map((p, i) => [i ? ', ' : '', el('a', { href: `#/parcel/${p.upi}` }, p.upi)]))],
      ['Address', (h) => h.parcels.map((p) => p.address ?? '').join('; ')],
      ['Share', (h) => h.owners.filter((o) => o.uin === user.uin).map((o) => o.share).join(', ')],
    ], mine)));
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
    view.append(el('p', { id: 'my-applications' }, 'Your building permit applications are not listed here yet.'));
  }

  view.append(el('h3', {}, 'My tax bills'));
  const year = new Date().getUTCFullYear();
  try {
    // The tax module answers a citizen with their own bills only (by the UIN of their sign-in).
    const bills = await api(`/api/tax/bills/${year}`);
    view.append(bills.length === 0
      ? el('p', { id: 'my-tax' }, `No property tax bill for ${year} has been made in your name yet.`)
      : el('div', { id: 'my-tax' }, table(`My tax bills for ${year}`, [
        ['Year', (b) => String(b.taxYear)],
        ['Parcels', (b) => el('span', {}, b.parcels.map((p, i) => [i ? ', ' : '', el('a', { href: `#/parcel/${p.upi}` }, p.upi), ` (${p.share} of ${money(p.value, b.currency)})`]))],
        ['Assessed value', (b) => money(b.assessedValue, b.currency)],
        ['Rate', (b) => `${(b.rate * 100).toLocaleString('en', { maximumFractionDigits: 3 })} %`],
        ['Tax', (b) => el('strong', {}, money(b.amount, b.currency))],
      ], bills)));
  } catch (error) {
    view.append(el('p', { id: 'my-tax', class: 'alert' }, `Your tax bills could not be read: ${wordsFor(error)}`));
  }
  void stateWords;
}
