// The citizen: my parcels (titles held in my name), my applications (building permits), my tax bills.
import { api, wordsFor } from '../api.js';
import { attempt, el, facts, field, moment, money, notice, table } from '../dom.js';

/** A permit application's status, in words. */
export const permitStatusWords = {
  'awaiting-consent': "waiting for the owner's consent",
  submitted: 'submitted and checked, waiting for a decision',
  approved: 'approved',
  refused: 'refused',
};

const severityWords = { blocking: 'Stops approval', condition: 'Condition', advice: 'Advice' };

/** The check report's findings as sentences (or what stands in for them before the check). */
function findingsInWords(application) {
  if (application.status === 'awaiting-consent') return el('span', { class: 'hint' }, 'Checked once the owner consents.');
  if (application.findings.length === 0) return 'No findings.';
  return el('ul', { class: 'findings' }, application.findings.map((f) => el('li', { class: `finding ${f.severity}` },
    el('strong', {}, `${severityWords[f.severity] ?? f.severity}: `), f.message)));
}

function decisionInWords(application) {
  if (!application.decidedAt) return el('span', { class: 'hint' }, 'Not decided yet.');
  return [el('strong', {}, application.status === 'approved' ? 'Approved' : 'Refused'), ` on ${moment(application.decidedAt)}`,
    application.reasons ? [': ', application.reasons] : ''];
}

export async function citizenView({ view, user, signIn, mapTools, argument }) {
  mapTools.clearOverlay();
  if (!user) {
    view.append(el('h2', {}, 'My records'), el('p', {}, 'Sign in to see your parcels and applications.'), el('button', { type: 'button', onclick: signIn }, 'Sign in'));
    return;
  }
  const [sub, id] = (argument ?? '').split('/');
  if (sub === 'permits' && id) {
    await permitPage(view, user, id, mapTools);
    return;
  }
  view.append(el('h2', {}, `My records — ${user.name}`));
  let myParcels = [];

  view.append(el('h3', {}, 'My parcels'));
  try {
    // The register's search by owner name; the register shows a signed-in person their own UIN (and
    // nobody else's), so only titles held under the person's UIN count, never a namesake's. (The search
    // by UIN itself is for registry staff.)
    const hits = await api(`/api/registry/search?name=${encodeURIComponent(user.name)}&limit=100`);
    const mine = user.uin ? hits.filter((h) => h.owners.some((o) => o.uin === user.uin)) : [];
    myParcels = mine.flatMap((h) => h.parcels.map((p) => p.upi));
    view.append(mine.length === 0 ? el('p', { id: 'my-parcels' }, 'The register holds no title in your name.') : el('div', { id: 'my-parcels' }, table('My parcels', [
      ['Title', (h) => h.titleNumber],
      ['Parcels', (h) => el('span', {}, h.parcels.map((p, i) => [i ? ', ' : '', el('a', { href: `#/parcel/${p.upi}` }, p.upi)]))],
      ['Address', (h) => h.parcels.map((p) => p.address ?? '').join('; ')],
      ['Share', (h) => h.owners.filter((o) => o.uin === user.uin).map((o) => o.share).join(', ')],
    ], mine)));
  } catch (error) {
    view.append(el('p', { class: 'alert' }, wordsFor(error)));
  }

  view.append(el('h3', {}, 'Notices about my land'));
  try {
    // Every application lodged against a title I own, as the registry notifies owners of it.
    const notices = await api('/api/registry/notices');
    view.append(notices.length === 0
      ? el('p', { id: 'my-notices' }, 'Nothing has been lodged against your titles in the last year.')
      : el('div', { id: 'my-notices' }, table('Applications lodged against my titles', [
        ['Lodged', (n) => new Date(n.lodgedAt).toLocaleString('en-GB')],
        ['Title', (n) => n.titleNumber],
        ['Application', (n) => n.kind.replace('-', ' ')],
        ['State', (n) => n.state.replace('-', ' ')],
      ], notices)));
  } catch (error) {
    view.append(el('p', { id: 'my-notices', class: 'alert' }, wordsFor(error)));
  }

  view.append(el('h3', {}, 'My applications'));
  const roles = user.roles;
  if (roles.includes('surveyor')) {
    view.append(el('p', {}, el('a', { href: '#/surveys' }, 'Your surveys')));
  } else if (roles.includes('notary')) {
    view.append(el('p', {}, el('a', { href: '#/notary' }, 'Your transactions')));
  }
  if (user.uin) await myPermits(view, myParcels);

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
}

/** My building permit applications (as applicant or owner), and a form to apply on one of my parcels. */
async function myPermits(view, myParcels) {
  const holder = el('div', { id: 'my-applications' });
  view.append(el('h4', {}, 'Building permits'), holder);
  try {
    const applications = await api('/api/permits/mine');
    // One card per application (a table of five columns does not fit a phone or the side panel).
    holder.append(applications.length === 0
      ? el('p', {}, 'You have no building permit applications.')
      : el('ul', { class: 'cards' }, applications.map((a) => el('li', { class: `permit ${a.status}` },
        el('a', { href: `#/me/permits/${a.id}`, class: 'number' }, a.number),
        facts([
          ['Parcel', el('a', { href: `#/parcel/${a.upi}` }, a.upi)],
          ['Status', el('span', { class: 'status' }, permitStatusWords[a.status] ?? a.status)],
          ['Check report', findingsInWords(a)],
          ['Decision', decisionInWords(a)],
        ])))));
  } catch (error) {
    holder.append(el('p', { class: 'alert' }, `Your applications could not be read: ${wordsFor(error)}`));
  }
  if (myParcels.length === 0) return;

  const parcel = el('select', {}, myParcels.map((upi) => el('option', { value: upi }, upi)));
  const description = el('textarea', { rows: 3, required: true, placeholder: 'Use, storeys, floor area' });
  const status = el('div', { 'aria-live': 'polite' });
  const form = el('form', { class: 'stack', id: 'permit-form' },
    el('p', { class: 'hint' }, 'The whole parcel is checked against the hazard zones and planning records; the report is shown with the application.'),
    field('permit-upi', 'Parcel', parcel),
    field('permit-description', 'Building', description),
    el('button', { type: 'submit' }, 'Apply for a building permit'),
    status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const made = await attempt(status, () => api('/api/permits', { method: 'POST', body: { upi: parcel.value, description: description.value } }), 'Checking the application…');
    if (made) location.hash = `#/me/permits/${made.id}?applied`;
  });
  view.append(el('details', { id: 'permit-apply' }, el('summary', {}, 'Apply for a building permit'), form));
}

/** One application: its parties, status, the check report and the decision; the owner's consent when it awaits it. */
async function permitPage(view, user, id, mapTools) {
  view.append(el('p', {}, el('a', { href: '#/me' }, '← My records')));
  let a;
  try {
    a = await api(`/api/permits/${encodeURIComponent(id)}`);
  } catch (error) {
    view.append(el('p', { class: 'alert', role: 'alert' }, wordsFor(error)));
    return;
  }
  view.append(el('h2', { id: 'permit-number' }, `Building permit application ${a.number}`));
  if (location.hash.endsWith('?applied')) {
    view.append(notice(a.status === 'submitted' ? 'Your application was submitted and checked. A permit officer will decide on it.'
      : "Your application was made. The owner must now consent to it with their own sign-in."));
  }
  view.append(el('section', { id: 'permit' }, facts([
    ['Status', el('strong', { id: 'permit-status' }, permitStatusWords[a.status] ?? a.status)],
    ['Parcel', el('a', { href: `#/parcel/${a.upi}` }, a.upi)],
    ['Title', a.titleNumber],
    ['Building', a.description],
    ['Applicant', `${a.applicantName} (${a.applicantCapacity === 'agent' ? 'agent for the owner' : 'owner'})`],
    ['Owner', a.ownerName],
    ['Owner consented', moment(a.consentedAt)],
    ['Applied', moment(a.createdAt)],
    ['Submitted', moment(a.submittedAt)],
  ]), el('h3', {}, 'Check report'), el('div', { id: 'permit-findings' }, findingsInWords(a)),
  el('h3', {}, 'Decision'), el('p', { id: 'permit-decision' }, decisionInWords(a))));
  if (a.status === 'awaiting-consent' && a.applicantCapacity === 'agent' && a.ownerName === user.name) {
    const status = el('div', { 'aria-live': 'polite' });
    const consent = el('button', { type: 'button', id: 'permit-consent' }, 'I am the owner: consent to this application');
    consent.addEventListener('click', async () => {
      const done = await attempt(status, () => api(`/api/permits/${a.id}/consent`, { method: 'POST', body: {} }), 'Checking the application…');
      if (done) window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    view.append(el('div', { class: 'actions' }, consent, status));
  }
  await mapTools.select(a.upi, true);
}
