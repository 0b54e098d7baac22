// The notary: file a transaction for a title, attach documents, submit, pay, follow the status.
import { ApiError, api, upload } from '../api.js';
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
  view.append(el('h2', {}, 'Your signing certificate'), certificateForm());
  view.append(el('h2', {}, 'My transactions'));
  const status = el('div');
  view.append(status);
  // The registry's own filter (newest first), not the first page of everyone's transactions filtered here.
  const mine = await attempt(status, () => api('/api/registry/transactions?mine=true&limit=100'), 'Loading…');
  if (!mine) return;
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
    // replaceChildren would write a null as the text "null": the pager goes in only when there is more than one page.
    holder.replaceChildren(table(caption, columns, items.slice(page * size, (page + 1) * size), rowClass),
      ...(pages > 1 ? [el('div', { class: 'pager' }, previous, `Page ${page + 1} of ${pages}`, next)] : []));
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
  const price = el('input', { type: 'number', min: '0', step: '0.01', inputmode: 'decimal', autocomplete: 'off' });
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
          amount: reason.value === 'sale' && price.value !== '' ? Number(price.value) : undefined,
        },
      }), 'Filing…');
      if (lodged) location.hash = `#/notary/${lodged.id}`;
    },
  }, field('transfer-title', 'Title number', title), owners, field('transfer-date', 'Date of the deed', date), field('transfer-reason', 'Reason', reason),
  field('transfer-price', 'Price stated in the deed, for a sale (XCD): transfer duty is assessed on it', price),
  field('transfer-name', 'New owner: full name', name), field('transfer-uin', 'New owner: UIN', uin),
  el('button', { type: 'submit' }, 'File the transfer'), status);
}

/**
 * The notary's signing certificate: the notary makes a key and a certificate request (PKCS#10) with their
 * own software, the platform's notary CA certifies the key; the key never leaves the notary's machine.
 */
function certificateForm() {
  const csr = el('input', { type: 'file', required: true, accept: '.csr,.pem,.req,.txt' });
  const status = el('div', { 'aria-live': 'polite' });
  const result = el('div', { id: 'certificate', 'aria-live': 'polite' });
  return el('form', {
    id: 'certify', class: 'stack',
    onsubmit: async (event) => {
      event.preventDefault();
      const file = csr.files[0];
      if (!file) return;
      const text = await file.text();
      const issued = await attempt(status, () => api('/api/documents/notary-certificates', { method: 'POST', body: { csr: text } }), 'Asking the notary CA…');
      if (!issued) return;
      const href = URL.createObjectURL(new Blob([issued.certificatePem], { type: 'application/x-pem-file' }));
      result.replaceChildren(facts([
        ['Certificate for', issued.subject], ['Serial number', issued.serialNumber], ['Valid until', day(issued.notAfter)],
      ]), el('p', {}, el('a', { id: 'certificate-download', href, download: 'notary-certificate.pem' }, 'Download your certificate (PEM)')));
    },
  }, el('p', { class: 'hint' },
    'Deeds are signed with your own key. Make a key and a certificate request with your signing software, e.g. ',
    el('code', {}, 'openssl req -new -newkey rsa:3072 -nodes -keyout notary.key -subj "/CN=notary" -out notary.csr'),
    ', and send the request here: the platform\'s notary CA certifies your key. Then sign each deed, e.g. ',
    el('code', {}, 'openssl cms -sign -binary -outform DER -in deed.pdf -signer notary-certificate.pem -inkey notary.key -out deed.p7s'),
    ', and attach the deed with its signature.'),
  field('certify-csr', 'Certificate request (PEM)', csr), el('button', { type: 'submit' }, 'Get my certificate'), status, result);
}

async function transactionPage({ view }, id) {
  const t = await api(`/api/registry/transactions/${encodeURIComponent(id)}`);
  view.append(el('p', {}, el('a', { href: '#/notary' }, '← My transactions')));
  view.append(el('h2', {}, `${t.kind} of ${t.titleNumber}`));
  view.append(facts([
    ['Status', el('strong', { id: 'state' }, stateWords[t.state] ?? t.state)],
    ['Deed dated', day(t.instrumentDate)],
    ['Price', t.instrument?.amount != null ? money(t.instrument.amount) : ''],
    ['Lodged', moment(t.lodgedAt)],
    ['Fee', t.fee != null ? `${money(t.fee)}${t.invoice ? '' : ` (paid ${money(t.paid)})`}` : 'assessed on submission'],
    ['Note', t.note],
  ]));
  view.append(el('h3', {}, 'Documents'), t.documents.length === 0 ? el('p', { class: 'hint' }, 'None attached yet.') : documentsTable(t.documents));
  const status = el('div', { 'aria-live': 'polite' });
  if (t.state === 'lodged' || t.state === 'requisitioned') {
    view.append(attachForm(t, status));
    view.append(el('button', {
      type: 'button', id: 'submit-transaction',
      onclick: async () => {
        const done = await attempt(status, () => api(`/api/registry/transactions/${id}/submission`, { method: 'POST' }), 'Submitting…');
        if (done !== undefined) location.hash = `#/notary/${id}?r=${Date.now()}`;
      },
    }, 'Submit to the registry'));
  }
  if (t.invoice || t.state === 'fees-due') payment(view, t, status);
  view.append(status);
  view.append(el('h3', {}, 'Status history'), table('Status history', [
    ['When', (s) => moment(s.at)], ['Status', (s) => stateWords[s.state] ?? s.state], ['By', (s) => s.by], ['Note', (s) => s.note ?? ''],
  ], t.steps));
}

/** The documents of a transaction; a deed names who signed it (its signature verified when it was attached). */
export function documentsTable(documents) {
  return table('Documents', [
    ['Kind', (d) => d.kind], ['File', (d) => d.fileName], ['Attached', attachedWords],
  ], documents);
}

/** When and by whom a document was attached; for a signed deed, whose signature was verified (full certificate subject on hover). */
export function attachedWords(d) {
  const signed = /^(.*) \(signed by (.*)\)$/.exec(d.attachedBy ?? '');
  if (!signed) return `${moment(d.attachedAt)} by ${d.attachedBy}`;
  const name = /(?:^|, )CN=([^,]+)/.exec(signed[2])?.[1] ?? signed[2];
  return el('span', {}, `${moment(d.attachedAt)} by ${signed[1]}. `,
    el('span', { class: 'signed', title: signed[2] }, `Signature verified: signed by ${name} with a platform notary certificate.`));
}

/**
 * Attaching a document. A deed goes with its detached signature (.p7s, CMS made with the notary's key):
 * the documents module checks the signature against the notary CA before it keeps the deed, then the
 * registry refers to it by its SHA-256 once it names the transaction. Other documents (consent, probate, …) are uploaded as they are.
 */
function attachForm(t, status) {
  const kind = el('select', {}, ['deed', 'consent', 'probate', 'letters-of-administration', 'survey-plan', 'court-order', 'other'].map((k) => el('option', { value: k }, k)));
  const file = el('input', { type: 'file', required: true, accept: '.pdf,.png,.jpg,.jpeg,.tif,.tiff' });
  const signature = el('input', { type: 'file', accept: '.p7s,.p7m,.der,.cms' });
  const signatureField = el('div', { class: 'stack' },
    el('p', { id: 'deed-binding' }, `The deed must name this transaction, ${t.id}, in its text or its document properties, before you sign it: a deed that does not is refused.`),
    field('attach-signature', 'Your signature of the deed (.p7s, detached CMS)', signature));
  const showSignature = () => {
    const deed = kind.value === 'deed';
    signatureField.hidden = !deed;
    signature.required = deed;
    file.accept = deed ? '.pdf' : '.pdf,.png,.jpg,.jpeg,.tif,.tiff';
  };
  kind.addEventListener('change', showSignature);
  showSignature();
  const id = t.id;
  return el('form', {
    id: 'attach', class: 'stack',
    onsubmit: async (event) => {
      event.preventDefault();
      const done = await attempt(status, async () => {
        if (kind.value !== 'deed') {
          const form = new FormData();
          form.append('kind', kind.value);
          form.append('file', file.files[0]);
          return upload(`/api/registry/transactions/${id}/documents`, form, () => {});
        }
        const form = new FormData();
        form.append('file', file.files[0]);
        form.append('signature', signature.files[0]);
        form.append('reference', `${t.kind} of ${t.titleNumber}`.slice(0, 100));
        let deed;
        try {
          deed = await upload('/api/documents/deeds', form, () => {});
        } catch (error) {
          throw new ApiError(`The deed was not attached: ${error.message}`, error.status, error.problem);
        }
        return api(`/api/registry/transactions/${id}/documents`, { method: 'POST', body: { kind: 'deed', sha256: deed.contentSha256 } });
      }, 'Checking the signature and attaching…');
      if (done !== undefined) location.hash = `#/notary/${id}?r=${Date.now()}`;
    },
  }, field('attach-kind', 'Kind of document', kind), field('attach-file', 'File', file), signatureField, el('button', { type: 'submit' }, 'Attach'));
}

/**
 * The invoice the registry raised at submission (fee and transfer duty), paid at the gateway's hosted page
 * in a tab of its own. This page follows the transaction until the gateway's signed notice of the payment
 * has reached the platform, then shows it paid.
 */
function payment(view, t, status) {
  const i = t.invoice;
  if (!i) {
    view.append(notice(`The fee of ${money((t.fee ?? 0) - t.paid)} is due at the registry, where the registrar records the payment.`));
    return;
  }
  view.append(el('h3', {}, 'Invoice'), facts([
    ['Invoice', i.number], ['Fee', money(i.fee)], ['Transfer duty', i.duty ? money(i.duty) : ''], ['How the duty was assessed', i.dutyBasis],
    ['Total', el('strong', { id: 'invoice-total' }, money(i.total, i.currency))],
    ['Invoice status', el('span', { id: 'invoice-status' }, i.status === 'paid' ? `paid ${moment(i.paidAt)}` : 'open, not paid yet')],
    ['Receipt', i.receiptNumber],
  ]));
  if (i.status !== 'open') return;
  const waiting = el('p', { class: 'hint', role: 'status', id: 'payment-wait' },
    'This page shows the payment as soon as the payment gateway confirms it.');
  view.append(el('button', {
    type: 'button', id: 'pay',
    onclick: async () => {
      // The tab opens while the click still counts as the person's own action, so it is not taken for a pop-up.
      const tab = window.open('', '_blank');
      const started = await attempt(status, () => api(i.paymentUrl, { method: 'POST' }), 'Opening the payment page…');
      if (!started?.checkoutUrl) {
        tab?.close();
        if (started) status.replaceChildren(alert(`The payment gateway did not open a payment${started.lastError ? `: ${started.lastError}` : '.'} Please try again later.`));
        return;
      }
      if (tab) {
        tab.opener = null;
        tab.location.href = started.checkoutUrl;
      }
      status.replaceChildren(notice('The payment page of the gateway is open in another tab. Pay there; this page then shows the invoice paid. '),
        el('a', { href: started.checkoutUrl, target: '_blank', rel: 'noopener' }, 'Open the payment page again'));
    },
  }, `Pay ${money(i.total, i.currency)} online`), waiting);
  followUntilPaid(t);
}

// Looks at the transaction every few seconds while its page is open, until the payment has been reported.
function followUntilPaid(t) {
  const shownAt = location.hash;
  const look = async () => {
    if (location.hash !== shownAt) return;
    try {
      const now = await api(`/api/registry/transactions/${encodeURIComponent(t.id)}`);
      if (location.hash !== shownAt) return;
      if (now.state !== t.state || now.invoice?.status !== t.invoice?.status) {
        location.hash = `#/notary/${t.id}?r=${Date.now()}`;
        return;
      }
    } catch {
      // A missed look is tried again.
    }
    setTimeout(look, 2000);
  };
  setTimeout(look, 2000);
}

export { alert };
