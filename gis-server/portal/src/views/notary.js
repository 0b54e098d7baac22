// The notary: file a transaction for a title, attach documents, submit, pay, follow the status.
import { api, upload, wordsFor } from '../api.js';
import { alert, attempt, day, el, facts, field, moment, money, notice, table } from '../dom.js';

export const stateWords = {
  lodged: 'lodged (attach documents, then submit)', 'fees-due': 'submitted, fee due', paid: 'paid, waiting for examination',
  examined: 'examined, waiting for registration', registered: 'registered', rejected: 'rejected', requisitioned: 'requisitioned (answer and resubmit)',
};

export async function notaryView(context) {
  const { view, argument, user, signIn, mapTools } = context;
  mapTools.clearOverlay();
  if (!user?.roles.includes('notary')) {
    view.append(el('h2', {}, 'Transactions'), el('p', {}, 'Sign in as a notary to file transactions.'), el('button', { type: 'button', onclick: signIn }, 'Sign in'));
    return;
  }
  if (argument) {
    await transactionPage(context, argument);
    return;
  }
  view.append(el('h2', {}, 'File a transfer'), transferForm());
  view.append(el('h2', {}, 'My transactions'));
  const status = el('div');
  view.append(status);
  const rows = await attempt(status, () => api('/api/registry/transactions?limit=100'), 'Loading…');
  if (!rows) return;
  const mine = rows.filter((t) => t.lodgedBy === user.userName).reverse();
  view.append(mine.length === 0 ? el('p', { class: 'hint' }, 'You have not filed a transaction yet.') : pagedTable('My transactions', [
    ['Title', (t) => el('a', { href: `#/notary/${t.id}` }, t.titleNumber ?? '')],
    ['Kind', (t) => t.kind],
    ['Status', (t) => stateWords[t.state] ?? t.state],
    ['Lodged', (t) => moment(t.lodgedAt)],
  ], mine));
}

/** A table shown 20 rows at a time. */
export function pagedTable(caption, columns, items, rowClass, size = 20) {
  const holder = el('div');
  let page = 0;
  const show = () => {
    const pages = Math.max(1, Math.ceil(items.length / size));
    const previous = el('button', { type: 'button', disabled: page === 0, onclick: () => { page -= 1; show(); } }, 'Previous');
    const next = el('button', { type: 'button', disabled: page >= pages - 1, onclick: () => { page += 1; show(); } }, 'Next');
    holder.replaceChildren(table(caption, columns, items.slice(page * size, (page + 1) * size), rowClass),
      pages > 1 ? el('div', { class: 'pager' }, previous, `Page ${page + 1} of ${pages}`, next) : null);
  };
  show();
  return holder;
}

function transferForm() {
  const title = el('input', { type: 'text', required: true, placeholder: 'T-CH-00001-0001', autocomplete: 'off' });
  const date = el('input', { type: 'date', required: true, value: new Date().toISOString().slice(0, 10) });
  const reason = el('select', {}, ['sale', 'gift', 'inheritance'].map((r) => el('option', { value: r }, r)));
  const name = el('input', { type: 'text', required: true, autocomplete: 'off' });
  const uin = el('input', { type: 'text', required: true, placeholder: 'VC…', autocomplete: 'off' });
  const owners = el('div', { 'aria-live': 'polite' });
  const status = el('div', { 'aria-live': 'polite' });
  let grantors = [];
  const loadOwners = async () => {
    grantors = [];
    const extract = await attempt(owners, () => api(`/api/registry/titles/${encodeURIComponent(title.value.trim())}`), 'Reading the title…');
    if (!extract) return;
    grantors = extract.owners.map((o) => ({ partyId: o.partyId }));
    owners.replaceChildren(el('p', { id: 'grantors' }, `Registered owners (they sign as grantors): ${extract.owners.map((o) => `${o.name} (${o.share})`).join('; ')}`));
  };
  title.addEventListener('change', loadOwners);
  return el('form', {
    id: 'transfer', class: 'stack',
    onsubmit: async (event) => {
      event.preventDefault();
      if (grantors.length === 0) await loadOwners();
      if (grantors.length === 0) return;
      const lodged = await attempt(status, () => api('/api/registry/transactions', {
        method: 'POST',
        body: {
          kind: 'transfer', titleNumber: title.value.trim().toUpperCase(), instrumentDate: date.value, reason: reason.value,
          grantors, grantees: [{ uin: uin.value.trim(), name: name.value.trim(), share: '1/1' }],
        },
      }), 'Filing…');
      if (lodged) location.hash = `#/notary/${lodged.id}`;
    },
  }, field('transfer-title', 'Title number', title), owners, field('transfer-date', 'Date of the deed', date), field('transfer-reason', 'Reason', reason),
  field('transfer-name', 'New owner: full name', name), field('transfer-uin', 'New owner: UIN', uin),
  el('button', { type: 'submit' }, 'File the transfer'), status);
}

async function transactionPage({ view }, id) {
  const t = await api(`/api/registry/transactions/${encodeURIComponent(id)}`);
  view.append(el('p', {}, el('a', { href: '#/notary' }, '← My transactions')));
  view.append(el('h2', {}, `${t.kind} of ${t.titleNumber}`));
  view.append(facts([
    ['Status', el('strong', { id: 'state' }, stateWords[t.state] ?? t.state)],
    ['Deed dated', day(t.instrumentDate)],
    ['Lodged', moment(t.lodgedAt)],
    ['Fee', t.fee != null ? `${money(t.fee)} (paid ${money(t.paid)})` : 'assessed on submission'],
    ['Note', t.note],
  ]));
  view.append(el('h3', {}, 'Documents'), t.documents.length === 0 ? el('p', { class: 'hint' }, 'None attached yet.') : table('Documents', [
    ['Kind', (d) => d.kind], ['File', (d) => d.fileName], ['Attached', (d) => moment(d.attachedAt)],
  ], t.documents));
  const status = el('div', { 'aria-live': 'polite' });
  if (t.state === 'lodged' || t.state === 'requisitioned') {
    const kind = el('select', {}, ['deed', 'consent', 'probate', 'survey-plan', 'court-order', 'other'].map((k) => el('option', { value: k }, k)));
    const file = el('input', { type: 'file', required: true, accept: '.pdf,.png,.jpg,.jpeg,.tif,.tiff' });
    view.append(el('form', {
      id: 'attach', class: 'stack',
      onsubmit: async (event) => {
        event.preventDefault();
        const form = new FormData();
        form.append('kind', kind.value);
        form.append('file', file.files[0]);
        const done = await attempt(status, () => upload(`/api/registry/transactions/${id}/documents`, form, () => {}), 'Attaching…');
        if (done !== undefined) location.hash = `#/notary/${id}?r=${Date.now()}`;
      },
    }, field('attach-kind', 'Kind of document', kind), field('attach-file', 'File', file), el('button', { type: 'submit' }, 'Attach')));
    view.append(el('button', {
      type: 'button', id: 'submit-transaction',
      onclick: async () => {
        const done = await attempt(status, () => api(`/api/registry/transactions/${id}/submission`, { method: 'POST' }), 'Submitting…');
        if (done !== undefined) location.hash = `#/notary/${id}?r=${Date.now()}`;
      },
    }, 'Submit to the registry'));
  }
  if (t.state === 'fees-due') await payment(view, t, status);
  view.append(status);
  view.append(el('h3', {}, 'Status history'), table('Status history', [
    ['When', (s) => moment(s.at)], ['Status', (s) => stateWords[s.state] ?? s.state], ['By', (s) => s.by], ['Note', (s) => s.note ?? ''],
  ], t.steps));
}

// Paying: through the gateway when the payments module holds an invoice for the transaction.
async function payment(view, t, status) {
  // The registry names its invoice (fee and any duty) once the payments module issued one.
  if (t.invoice) {
    const i = t.invoice;
    view.append(facts([
      ['Invoice', i.number], ['Fee', money(i.fee)], ['Duty', i.duty ? `${money(i.duty)}${i.dutyBasis ? ` (${i.dutyBasis})` : ''}` : ''],
      ['Total', money(i.total, i.currency)], ['Receipt', i.receiptNumber],
    ]));
    if (i.status === 'open') {
      view.append(el('button', {
        type: 'button', id: 'pay',
        onclick: async () => {
          const started = await attempt(status, () => api(i.paymentUrl, { method: 'POST' }), 'Opening the payment page…');
          if (started?.checkoutUrl) location.assign(started.checkoutUrl);
        },
      }, `Pay ${money(i.total, i.currency)} online`));
    }
    return;
  }
  let invoices = [];
  try {
    invoices = await api(`/api/payments/invoices?subjectType=registry-transaction&subjectReference=${encodeURIComponent(t.id)}`);
  } catch (error) {
    view.append(el('p', { class: 'hint' }, `Online payment could not be looked up: ${wordsFor(error)}`));
  }
  const open = invoices.find((i) => i.status !== 'paid' && i.status !== 'cancelled');
  if (!open) {
    view.append(notice(`The fee of ${money(t.fee - t.paid)} is due. No online invoice has been issued for this transaction; it is paid at the registry, where the registrar records the payment.`));
    return;
  }
  view.append(el('button', {
    type: 'button', id: 'pay',
    onclick: async () => {
      const started = await attempt(status, () => api(`/api/payments/invoices/${open.id}/payments`, { method: 'POST' }), 'Opening the payment page…');
      if (started?.checkoutUrl) location.assign(started.checkoutUrl);
    },
  }, `Pay ${money(open.total ?? open.amount ?? t.fee)} online`));
}

export { alert };
