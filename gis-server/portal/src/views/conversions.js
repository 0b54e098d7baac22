// First registration: the path from the register of deeds to titles. Anyone reads the public notices of provisional
// titles and, signed in, objects while the challenge period runs; registrars and examiners open a first registration
// from a parcel's root of title (the form below, shown on the root-of-title page); registrars decide each objection
// and make a title absolute once the period has ended. Routes: #/conversions, #/conversions/{id}.
import { api } from '../api.js';
import { alert, attempt, day, el, facts, field, moment, notice, table } from '../dom.js';
import { pagedTable } from './notary.js';

const readers = ['registrar', 'examiner', 'notary', 'administrator'];
const deciders = ['registrar', 'examiner'];
const stateWords = { provisional: 'provisional (challenge period)', absolute: 'absolute', cancelled: 'cancelled (an objection was upheld)' };
const objectionWords = { pending: 'waiting for the registrar', dismissed: 'dismissed', upheld: 'upheld' };
const has = (user, roles) => roles.some((r) => (user?.roles ?? []).includes(r));

export async function conversionsView(context) {
  const { view, argument, mapTools } = context;
  mapTools.clearOverlay();
  const id = (argument || '').split('?')[0];
  if (id) return conversionPage(context, id);
  return noticesPage(context);
}

async function noticesPage({ view }) {
  view.append(el('h2', {}, 'Notices of first registration'),
    el('p', {}, 'Land recorded in the register of deeds is being brought onto the title register. Each notice names who the deeds make the proprietors; anyone with a claim may object, signed in, until the challenge period ends.'));
  const status = el('div', { 'aria-live': 'polite' });
  view.append(status);
  const notices = await attempt(status, () => api('/api/registry/conversions/notices'), 'Reading the notices…');
  if (!notices) return;
  view.append(notices.length === 0 ? el('p', { class: 'hint', id: 'notices' }, 'No first registration is under notice.')
    : el('div', { id: 'notices' }, pagedTable('Notices of first registration', [
      ['Parcel', (n) => el('a', { href: `#/conversions/${n.conversionId}` }, n.upi)],
      ['Title', (n) => n.titleNumber],
      ['Proposed proprietors', (n) => n.proposedProprietors.join('; ')],
      ['Charges', (n) => n.proposedCharges.join('; ') || 'none'],
      ['Objections until', (n) => (n.challengeOpen ? day(n.challengeEndsAt) : `${day(n.challengeEndsAt)} (ended)`)],
      ['Objections', (n) => (n.objections ? `${n.objections} (${n.objectionsPending} waiting)` : 'none')],
    ], notices)));
}

async function conversionPage(context, id) {
  const { view, user, signIn } = context;
  view.append(el('p', {}, el('a', { href: '#/conversions' }, '← Notices of first registration')));
  const status = el('div', { 'aria-live': 'polite' });
  view.append(status);
  const notices = await attempt(status, () => api('/api/registry/conversions/notices'), 'Reading the notice…');
  if (!notices) return;
  const publicNotice = notices.find((n) => n.conversionId === id);
  const staff = has(user, readers);
  const conversion = staff ? await attempt(status, () => api(`/api/registry/conversions/${encodeURIComponent(id)}`), 'Reading the first registration…') : null;
  if (!publicNotice && !conversion) {
    if (!status.hasChildNodes()) status.append(alert('No notice of first registration has this number: it may have been made absolute or cancelled.'));
    return;
  }
  const upi = conversion?.upi ?? publicNotice.upi;
  void context.mapTools.select(upi, true);
  view.append(el('h2', {}, `First registration of ${upi}`));
  if (publicNotice) {
    view.append(facts([
      ['Title', publicNotice.titleNumber],
      ['Proposed proprietors', publicNotice.proposedProprietors.join('; ')],
      ['Charges', publicNotice.proposedCharges.join('; ') || 'none'],
      ['Breaks in the chain of deeds', publicNotice.breaks.join('; ') || 'none'],
      ['Why the registrar proceeds', publicNotice.proceedReason],
      ['Published', moment(publicNotice.publishedAt)],
      ['Objections until', `${moment(publicNotice.challengeEndsAt)}${publicNotice.challengeOpen ? '' : ' (ended)'}`],
    ]));
  }
  if (conversion) view.append(staffPart(context, conversion));
  if (publicNotice?.challengeOpen) view.append(objectionForm(id, user, signIn));
}

function staffPart({ user }, conversion) {
  const part = el('section', { id: 'conversion', 'aria-labelledby': 'conversion-h' }, el('h3', { id: 'conversion-h' }, 'The register\'s record'));
  const basis = conversion.basis;
  part.append(el('p', { id: 'conversion-state', class: conversion.state === 'cancelled' ? 'alert' : 'notice', role: 'status' },
    `Title ${conversion.titleNumber}: ${stateWords[conversion.state] ?? conversion.state}`),
  facts([
    ['Opened', `${moment(conversion.openedAt)} by ${conversion.openedBy}`],
    ['Root deed', basis.rootDeed ?? 'none'],
    ['Last deed', basis.lastDeed ?? 'none'],
    ['Root of title as of', day(basis.rootAsOf)],
    ['Proprietors', basis.proprietors.map((p) => `${p.name} (${p.share ?? 'share not stated'}; the deed writes "${p.asWritten}")`).join('; ')],
    ['Charges', basis.charges.map((c) => `${c.name}, mortgage ${c.mortgage}`).join('; ') || 'none'],
    ['Absolute since', moment(conversion.absoluteAt)],
  ]));
  if (basis.findings.length) {
    part.append(el('h4', {}, 'What the search of the deeds found'),
      el('ul', { id: 'conversion-findings' }, basis.findings.map((f) => el('li', { 'data-rule': f.rule }, f.message))));
  }
  const registrar = (user?.roles ?? []).includes('registrar');
  part.append(el('h4', {}, 'Objections'), conversion.objections.length === 0 ? el('p', { class: 'hint', id: 'objections' }, 'No objection has been lodged.')
    : el('div', { id: 'objections' }, table('Objections', [
      ['Lodged', (o) => `${moment(o.lodgedAt)} by ${o.lodgedBy}`],
      ['Grounds', (o) => [o.grounds, o.evidence ? el('div', { class: 'hint' }, `Evidence: ${o.evidence}`) : null]],
      ['Decision', (o) => (o.state === 'pending'
        ? (registrar && conversion.state === 'provisional' ? decisionForm(conversion.id, o) : objectionWords.pending)
        : [objectionWords[o.state] ?? o.state, el('div', { class: 'hint' }, `${moment(o.decidedAt)} by ${o.decidedBy}: ${o.reason}`)])],
    ], conversion.objections)));
  if (registrar && conversion.state === 'provisional') {
    const status = el('div', { 'aria-live': 'polite' });
    part.append(el('p', {}, el('button', {
      type: 'button', id: 'make-absolute',
      onclick: async () => {
        const done = await attempt(status, () => api(`/api/registry/conversions/${conversion.id}/absolute`, { method: 'POST' }), 'Making the title absolute…');
        if (done) window.dispatchEvent(new HashChangeEvent('hashchange'));
      },
    }, 'Make the title absolute')), status);
  }
  return part;
}

function decisionForm(conversionId, objection) {
  const reason = el('textarea', { required: true, rows: '2' });
  const decision = el('select', {}, el('option', { value: 'dismissed' }, 'Dismiss'), el('option', { value: 'upheld' }, 'Uphold (cancels the provisional title)'));
  const status = el('div', { 'aria-live': 'polite' });
  return el('form', {
    class: 'stack decide-objection',
    onsubmit: async (event) => {
      event.preventDefault();
      const done = await attempt(status, () => api(`/api/registry/conversions/${conversionId}/objections/${objection.id}/decision`,
        { method: 'POST', body: { decision: decision.value, reason: reason.value.trim() } }), 'Recording the decision…');
      if (done) window.dispatchEvent(new HashChangeEvent('hashchange'));
    },
  }, field(`decision-${objection.id}`, 'Decision', decision), field(`reason-${objection.id}`, 'Reason', reason),
  el('button', { type: 'submit' }, 'Record the decision'), status);
}

function objectionForm(id, user, signIn) {
  const section = el('section', { id: 'object', 'aria-labelledby': 'object-h' }, el('h3', { id: 'object-h' }, 'Object to this first registration'));
  if (!user) {
    section.append(el('p', {}, 'Sign in to lodge an objection: the registrar decides each one before the title can be made absolute.'),
      el('button', { type: 'button', onclick: signIn }, 'Sign in to object'));
    return section;
  }
  const grounds = el('textarea', { required: true, rows: '3', maxlength: '4000' });
  const evidence = el('input', { type: 'text', autocomplete: 'off', placeholder: 'a deed number, a court file, a document' });
  const status = el('div', { 'aria-live': 'polite' });
  section.append(el('form', {
    id: 'objection-form', class: 'stack',
    onsubmit: async (event) => {
      event.preventDefault();
      const lodged = await attempt(status, () => api(`/api/registry/conversions/${encodeURIComponent(id)}/objections`,
        { method: 'POST', body: { grounds: grounds.value.trim(), evidence: evidence.value.trim() || null } }), 'Lodging the objection…');
      if (!lodged) return;
      status.replaceChildren(notice(`Your objection was lodged on ${moment(lodged.lodgedAt)}. The registrar will decide it.`));
      grounds.value = '';
      evidence.value = '';
    },
  }, field('objection-grounds', 'Grounds of the objection', grounds), field('objection-evidence', 'Evidence (a reference)', evidence),
  el('button', { type: 'submit' }, 'Lodge the objection')), status);
  return section;
}

/** The registrar's form on a root-of-title page: open the parcel's first registration from the holders the deeds name. */
export function openConversionForm(report, user) {
  if (!has(user, deciders)) return null;
  const section = el('section', { id: 'first-registration', 'aria-labelledby': 'first-registration-h' },
    el('h3', { id: 'first-registration-h' }, 'First registration'),
    el('p', {}, 'Bring this parcel onto the title register: the holders the deeds name become the proprietors of a provisional title, published for objections. Identify each one as the civil registry knows them.'));
  if (report.holders.length === 0) {
    section.append(el('p', { class: 'hint' }, 'No holder can be named from the deeds: a first registration needs a chain that ends in a grantee.'));
    return section;
  }
  const holderRows = report.holders.map((name, i) => ({
    name: el('input', { type: 'text', value: name, required: true, autocomplete: 'off' }),
    uin: el('input', { type: 'text', autocomplete: 'off', placeholder: 'UIN (person)' }),
    registration: el('input', { type: 'text', autocomplete: 'off', placeholder: 'or registration number (organisation)' }),
    share: el('input', { type: 'text', autocomplete: 'off', placeholder: 'e.g. 1/2; empty for equal shares' }),
    i,
  }));
  const chargeRows = report.mortgages.map((m, i) => ({
    mortgage: m.registrationNumber,
    name: el('input', { type: 'text', value: m.grantees[0] ?? '', required: true, autocomplete: 'off' }),
    uin: el('input', { type: 'text', autocomplete: 'off', placeholder: 'UIN (person)' }),
    registration: el('input', { type: 'text', autocomplete: 'off', placeholder: 'or registration number (lender)' }),
    i,
  }));
  const breaks = report.findings.some((f) => f.severity === 'error');
  const reason = el('textarea', { rows: '2', required: breaks });
  const status = el('div', { 'aria-live': 'polite' });
  const value = (input) => input.value.trim() || null;
  section.append(el('form', {
    id: 'open-conversion', class: 'stack',
    onsubmit: async (event) => {
      event.preventDefault();
      const body = {
        upi: report.upi,
        proprietors: holderRows.map((r) => ({ name: r.name.value.trim(), uin: value(r.uin), registrationNumber: value(r.registration), share: value(r.share) })),
        charges: chargeRows.map((r) => ({ mortgage: r.mortgage, name: r.name.value.trim(), uin: value(r.uin), registrationNumber: value(r.registration) })),
        proceedReason: value(reason),
      };
      const opened = await attempt(status, () => api('/api/registry/conversions', { method: 'POST', body }), 'Opening the first registration…');
      if (opened) location.hash = `#/conversions/${opened.id}`;
    },
  },
  holderRows.map((r) => el('fieldset', { class: 'stack' }, el('legend', {}, `Proprietor ${r.i + 1}`),
    field(`proprietor-name-${r.i}`, 'Name as the deed writes it', r.name), field(`proprietor-uin-${r.i}`, 'UIN', r.uin),
    field(`proprietor-registration-${r.i}`, 'Registration number', r.registration), field(`proprietor-share-${r.i}`, 'Share', r.share))),
  chargeRows.map((r) => el('fieldset', { class: 'stack' }, el('legend', {}, `Lender of mortgage ${r.mortgage}`),
    field(`charge-name-${r.i}`, 'Name as the deed writes it', r.name), field(`charge-uin-${r.i}`, 'UIN', r.uin),
    field(`charge-registration-${r.i}`, 'Registration number', r.registration))),
  field('proceed-reason', breaks ? 'Why proceed despite the breaks (published with the notice)' : 'Note for the notice (optional)', reason),
  el('button', { type: 'submit' }, 'Open the first registration')), status);
  return section;
}
