// Registrar and examiner: the work queue in priority order (oldest lodged first), a transaction's
// instrument and title checks beside its documents, and the decisions with reasons.
import { api, openAuthorised } from '../api.js';
import { attempt, day, el, facts, field, moment, money, notice, table } from '../dom.js';
import { attachedWords, pagedTable, stateWords } from './notary.js';

const waiting = ['fees-due', 'paid', 'examined', 'lodged', 'requisitioned'];

export async function queueView(context) {
  const { view, argument, user, signIn, mapTools } = context;
  mapTools.clearOverlay();
  const roles = user?.roles ?? [];
  if (!roles.includes('registrar') && !roles.includes('examiner')) {
    view.append(el('h2', {}, 'Work queue'), el('p', {}, 'Sign in as a registrar or an examiner to see the work queue.'),
      el('button', { type: 'button', onclick: signIn }, 'Sign in'));
    return;
  }
  if (argument) {
    await casePage(context, argument);
    return;
  }
  view.append(el('h2', {}, 'Work queue'), el('p', { class: 'hint' }, 'Oldest lodged first: that is the order of priority on each title.'));
  // One request per waiting state (each oldest first, at most 100: the API's page), merged by lodgement time.
  const rows = (await Promise.all(waiting.map((state) => api(`/api/registry/transactions?state=${state}&limit=100`))))
    .flat().sort((a, b) => new Date(a.lodgedAt) - new Date(b.lodgedAt));
  // Each role sees first what waits for it.
  const mineFirst = roles.includes('examiner') && !roles.includes('registrar') ? ['paid'] : ['examined', 'fees-due'];
  const ready = rows.filter((t) => mineFirst.includes(t.state));
  const others = rows.filter((t) => !mineFirst.includes(t.state));
  const columns = [
    ['#', (t) => String(rows.indexOf(t) + 1)],
    ['Lodged', (t) => moment(t.lodgedAt)],
    ['Title', (t) => el('a', { href: `#/queue/${t.id}` }, t.titleNumber ?? '')],
    ['Kind', (t) => t.kind],
    ['Status', (t) => stateWords[t.state] ?? t.state],
  ];
  view.append(el('h3', {}, `Waiting for you (${ready.length})`), ready.length ? pagedTable('Waiting for you', columns, ready) : el('p', { class: 'hint' }, 'Nothing waits for you.'));
  view.append(el('h3', {}, `Elsewhere in the workflow (${others.length})`), others.length ? pagedTable('Elsewhere', columns, others) : el('p', { class: 'hint' }, 'None.'));
}

async function casePage({ view, user }, id) {
  const t = await api(`/api/registry/transactions/${encodeURIComponent(id)}`);
  const roles = user.roles;
  view.append(el('p', {}, el('a', { href: '#/queue' }, '← Work queue')), el('h2', {}, `${t.kind} of ${t.titleNumber}`));
  view.append(facts([
    ['Status', el('strong', { id: 'state' }, stateWords[t.state] ?? t.state)],
    ['Application', t.applicationNumber ? `${t.applicationNumber}${t.receipt ? `, place ${t.receipt.dayBookPlace} in the day book` : ''}` : ''],
    ['Lodged', `${moment(t.lodgedAt)} by ${t.lodgedBy}`],
    ['Deed dated', day(t.instrumentDate)],
    // What was paid covers the fee and any transfer duty: name both, so the sum reads right.
    ['Fee', t.fee != null ? `${money(t.fee)}${t.invoice?.duty ? ` and transfer duty ${money(t.invoice.duty)}` : ''}; paid ${money(t.paid)}` : 'not yet assessed'],
  ]));

  // Side by side: what the instrument says against the register, and the documents.
  const checks = el('section', { 'aria-labelledby': 'checks-h' }, el('h3', { id: 'checks-h' }, 'Checks'));
  const instrument = t.instrument ?? {};
  let extract = null;
  let extractError = null;
  try {
    extract = await api(`/api/registry/titles/${encodeURIComponent(t.titleNumber)}`);
  } catch (error) {
    extractError = error.message;
  }
  // Grantors named by party id read as the register's names for them.
  const known = new Map((extract?.owners ?? []).map((o) => [o.partyId, o.name]));
  const partyName = (p) => p.name ?? known.get(p.partyId) ?? (p.partyId ? `party ${p.partyId}` : p.uin);
  checks.append(facts([
    ['Grantors', (instrument.grantors ?? []).map(partyName).join('; ')],
    ['Grantees', (instrument.grantees ?? []).map((p) => `${partyName(p)} (${p.share ?? ''})`).join('; ')],
    ['Reason', instrument.reason],
  ]));
  if (extract) {
    const owners = extract.owners.map((o) => o.partyId);
    const grantors = (instrument.grantors ?? []).map((p) => p.partyId);
    checks.append(facts([
      ['Registered owners', extract.owners.map((o) => `${o.name} (${o.share})`).join('; ')],
      ['Grantors are the owners', t.kind !== 'transfer' ? '' : owners.length === grantors.length && owners.every((o) => grantors.includes(o)) ? 'yes' : 'no (R-OWNER)'],
      ['Restrictions', extract.restrictions.map((r) => `${r.kind}${r.holder ? ` (${r.holder})` : ''}`).join('; ') || 'none'],
      ['Title status', extract.status],
    ]));
  } else {
    checks.append(el('p', { class: 'alert' }, extractError));
  }
  const documents = el('section', { 'aria-labelledby': 'docs-h' }, el('h3', { id: 'docs-h' }, 'Documents'),
    t.documents.length === 0 ? el('p', { class: 'alert' }, 'No documents attached.') : table('Documents', [
      ['Kind', (d) => el('span', { title: `SHA-256 ${d.sha256}` }, d.kind)],
      ['Attached', (d) => [attachedWords(d), d.kind === 'deed' ? el('div', {}, el('button', { type: 'button', class: 'read-deed', onclick: () => readDeed(d.sha256, documentStatus) }, 'Read the deed')) : '']],
    ], t.documents));
  const documentStatus = el('div', { 'aria-live': 'polite' });
  documents.append(documentStatus);
  view.append(el('div', { class: 'split' }, checks, documents));

  const status = el('div', { 'aria-live': 'polite' });
  const reload = () => { location.hash = `#/queue/${id}?r=${Date.now()}`; };
  const act = async (path, body, busy) => {
    const done = await attempt(status, () => api(`/api/registry/transactions/${id}/${path}`, { method: 'POST', body }), busy);
    if (done !== undefined) reload();
  };
  const actions = el('div', { class: 'actions' });
  if (t.invoice) {
    const i = t.invoice;
    actions.append(el('p', { class: 'notice', role: 'status', id: 'invoice' }, i.status === 'paid'
      ? `Invoice ${i.number ?? ''} of ${money(i.total, i.currency)} (fee ${money(i.fee)}${i.duty ? `, transfer duty ${money(i.duty)}` : ''}) was paid online on ${moment(i.paidAt)}, receipt ${i.receiptNumber ?? ''}.`
      : `Invoice ${i.number ?? ''} of ${money(i.total, i.currency)} (fee ${money(i.fee)}${i.duty ? `, transfer duty ${money(i.duty)}` : ''}) is not paid yet: the notary pays it online.`));
  } else if (roles.includes('registrar') && t.state === 'fees-due') {
    const amount = el('input', { type: 'number', step: '0.01', min: '0', value: String((t.fee ?? 0) - t.paid) });
    const reference = el('input', { type: 'text', required: true, autocomplete: 'off' });
    actions.append(el('form', {
      class: 'stack', id: 'record-payment',
      onsubmit: (e) => { e.preventDefault(); act('payments', { amount: Number(amount.value), reference: reference.value }, 'Recording…'); },
    }, field('pay-amount', 'Amount received (XCD)', amount), field('pay-reference', 'Receipt reference', reference), el('button', { type: 'submit' }, 'Record payment')));
  }
  if (roles.includes('examiner') && t.state === 'paid') {
    actions.append(el('button', { type: 'button', id: 'examine', onclick: () => act('examination', undefined, 'Examining…') }, 'Examine (check every rule)'));
  }
  if (roles.includes('registrar') && t.state === 'examined') {
    actions.append(el('button', { type: 'button', id: 'register', onclick: () => act('registration', undefined, 'Registering…') }, 'Register'));
  }
  if (!['registered', 'rejected'].includes(t.state)) {
    const reason = el('textarea', { rows: 2, required: true });
    actions.append(el('form', { class: 'stack', id: 'decide', onsubmit: (e) => e.preventDefault() },
      field('decision-reason', 'Reason (sent to the notary)', reason),
      el('button', { type: 'button', id: 'requisition', onclick: () => reason.reportValidity() && act('requisition', { reason: reason.value }, 'Sending back…') }, 'Requisition'),
      ' ',
      el('button', { type: 'button', id: 'reject', onclick: () => reason.reportValidity() && act('rejection', { reason: reason.value }, 'Rejecting…') }, 'Reject')));
  } else {
    actions.append(notice(`This transaction is ${t.state}.`));
  }
  view.append(actions, status);
  view.append(el('h3', {}, 'Status history'), table('Status history', [
    ['When', (s) => moment(s.at)], ['Status', (s) => stateWords[s.state] ?? s.state], ['By', (s) => s.by], ['Note', (s) => s.note ?? ''],
  ], t.steps));
}

// Opens the deed as the documents module holds it (the signed PDF), in a tab of its own.
function readDeed(sha256, status) {
  return openAuthorised(`/api/documents/contents/${encodeURIComponent(sha256)}`, status, 'the deed');
}
