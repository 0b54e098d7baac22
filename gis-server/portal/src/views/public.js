// What anyone may see: the map, a parcel's page (attributes, history, hazard zones, title), the fees.
import { api, wordsFor } from '../api.js';
import { alert, attempt, day, el, facts, field, hazardWords, money, table } from '../dom.js';
import { publicDeedsSection } from './deeds.js';

export async function mapView({ mapTools }) {
  mapTools.clearOverlay();
}

export async function signInFailedView({ view, argument, signIn }) {
  view.append(el('h2', {}, 'Sign-in not completed'), alert(argument || 'The sign-in was not completed.'),
    el('button', { type: 'button', onclick: signIn }, 'Try again'));
}

export async function parcelView({ argument: upi, mapTools, parcelPanel, user }) {
  mapTools.clearOverlay();
  const feature = await mapTools.select(upi, true);
  if (!feature) return;

  // History: where the parcel came from and what it became, and the parcel as it was on a date.
  const history = el('section', { id: 'history', 'aria-labelledby': 'history-heading' }, el('h3', { id: 'history-heading' }, 'History'));
  parcelPanel.append(history);
  const lineageStatus = el('div');
  history.append(lineageStatus);
  const lineage = await attempt(lineageStatus, () => api(`/api/parcels/${encodeURIComponent(upi)}/lineage`), 'Loading the history…');
  if (lineage) {
    const steps = [
      ...lineage.ancestors.map((a) => ({ relation: 'came from', ...a })),
      ...lineage.descendants.map((d) => ({ relation: 'became', ...d })),
    ];
    history.append(steps.length === 0
      ? el('p', { class: 'hint' }, 'Unchanged since the fabric was first recorded.')
      : table('Lineage', [
        ['', (s) => s.relation],
        ['Parcel', (s) => el('a', { href: `#/parcel/${s.upi}` }, s.upi)],
        ['By', (s) => `${s.transaction.kind} ${s.transaction.reference ?? ''}`.trim()],
        ['On', (s) => day(s.transaction.effectiveAt)],
      ], steps));
  }
  const asOfStatus = el('div', { 'aria-live': 'polite' });
  const asOfInput = el('input', { type: 'date', required: true, max: new Date().toISOString().slice(0, 10) });
  history.append(el('form', {
    id: 'as-of', class: 'stack',
    onsubmit: async (event) => {
      event.preventDefault();
      const then = await attempt(asOfStatus, () => api(`/api/parcels/${encodeURIComponent(upi)}?asOf=${asOfInput.value}`), 'Looking it up…');
      if (then) {
        const p = then.properties;
        asOfStatus.replaceChildren(el('p', { id: 'as-of-result' },
          `On ${asOfInput.value}: version ${p.version}, ${p.status}, ${p.landUse}, ${Number(p.officialArea).toLocaleString('en')} m² (in force from ${day(p.validFrom)}${p.validTo ? ` to ${day(p.validTo)}` : ''}).`));
      }
    },
  }, field('as-of-date', 'The parcel as it was on', asOfInput), el('button', { type: 'submit' }, 'Show')), asOfStatus);

  // Title and hazard zones from the register's extract (public: owners' names, no identifiers).
  const register = el('section', { id: 'register', 'aria-labelledby': 'register-heading' }, el('h3', { id: 'register-heading' }, 'Title and hazard zones'));
  parcelPanel.append(register);
  try {
    const extract = await api(`/api/registry/parcels/${encodeURIComponent(upi)}/title`);
    register.append(facts([
      ['Title', extract.titleNumber],
      ['Status', extract.status],
      ['Owners', extract.owners.map((o) => `${o.name ?? 'withheld'} (${o.share})`).join('; ')],
      ['Restrictions', extract.restrictions.map((r) => r.kind).join(', ') || 'none'],
    ]), el('p', {}, el('a', { href: `/api/registry/titles/${encodeURIComponent(extract.titleNumber)}/extract.pdf` }, 'Printable title extract (PDF)')));
    register.append(el('h3', {}, 'Hazard zones touching the parcel'));
    register.append(extract.hazards.length === 0
      ? el('p', { id: 'hazards' }, 'None recorded.')
      : el('ul', { id: 'hazards' }, extract.hazards.map((h) => el('li', {}, hazardWords(h.hazard, h.level)))));
  } catch (error) {
    register.append(el('p', { class: 'hint' }, wordsFor(error)));
  }
  // The register of deeds: what the Index of Deeds records for this parcel (the island's register is one of deeds).
  parcelPanel.append(await publicDeedsSection(upi, user));
}

export async function feesView({ view, mapTools }) {
  mapTools.clearOverlay();
  view.append(el('h2', {}, 'Fees'));
  const fees = await api('/api/payments/fees');
  view.append(el('p', { class: 'hint' }, 'The fees in force, in Eastern Caribbean dollars.'),
    table('Fee schedule', [
      ['Service', (f) => f.description],
      // A fee by value band shows its rule (base + per 1,000 above the threshold), not only its base.
      ['Fee', (f) => (f.perThousand != null ? `${f.charge} ${f.currency}` : money(f.amount, f.currency))],
      ['Per', (f) => f.unit ?? ''],
    ], fees));
}
