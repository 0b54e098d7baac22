// The register of deeds. Attorneys (notaries) and registry staff search the Index of Deeds and build a parcel's root
// of title; the deeds clerks (registrars, examiners) record deeds, add their scanned pages, link them to parcels and
// follow the OCR queue and the pages to rescan. Routes: #/deeds, #/deeds/deed/{id}, #/deeds/root/{upi}.
import { api, openAuthorised, upload, wordsFor } from '../api.js';
import { alert, attempt, day, el, facts, field, moment, money, notice, table } from '../dom.js';
import { pagedTable } from './notary.js';
import { openConversionForm } from './conversions.js';

const readers = ['registrar', 'examiner', 'notary', 'administrator'];
const clerks = ['registrar', 'examiner'];
export const instrumentTypes = ['conveyance', 'gift', 'mortgage', 'release', 'assent', 'vesting', 'lease', 'power-of-attorney', 'court-order', 'other'];

const qualityWords = { blank: 'blank', skewed: 'skewed', 'low-resolution': 'resolution too low', unreadable: 'unreadable (OCR found little text)' };
const ocrWords = { queued: 'waiting for OCR', running: 'being read', done: 'read', failed: 'OCR failed' };
const ruleWords = {
  'no-good-root': 'No good root',
  'missing-link': 'Missing link',
  'grantor-not-grantee': 'Grantor is not the previous grantee',
  'name-variant': 'Name variant',
  'unreleased-mortgage': 'Unreleased mortgage',
};
const typeWords = (t) => t.replace(/-/g, ' ');
const names = (list) => (list && list.length ? list.join('; ') : '');
const parcelLinks = (upis) => (upis.length ? upis.flatMap((u, i) => [i ? ', ' : '', el('a', { href: `#/parcel/${encodeURIComponent(u)}` }, u)]) : 'not linked yet');

export async function deedsView(context) {
  const { view, argument, user, signIn, mapTools } = context;
  mapTools.clearOverlay();
  const roles = user?.roles ?? [];
  if (!readers.some((r) => roles.includes(r))) {
    view.append(el('h2', {}, 'Register of deeds'),
      el('p', {}, 'Searching the Index of Deeds, reading the scans and building a root of title are for attorneys-at-law and registry staff. Anyone can see the deeds recorded for a parcel on its page.'),
      ...(user ? [] : [el('button', { type: 'button', onclick: signIn }, 'Sign in')]));
    return;
  }
  const clerk = clerks.some((r) => roles.includes(r));
  const [kind, ...rest] = (argument || '').split('?')[0].split('/');
  const target = rest.join('/');
  if (kind === 'deed' && target) return deedPage(context, target, clerk);
  if (kind === 'root' && target) return rootPage(context, target);
  return searchPage(context, clerk);
}

function searchPage({ view }, clerk) {
  view.append(el('h2', {}, 'Register of deeds'));
  view.append(rootForm());
  const given = new URLSearchParams(location.hash.split('?')[1] ?? '').get('upi');
  view.append(el('h3', {}, 'Search the Index of Deeds'), ...searchForm(given));
  if (!clerk) return;
  view.append(el('h3', {}, 'Record a deed'), ...recordForm());
  view.append(el('h3', {}, 'OCR queue'), ocrProgress());
  const work = el('div');
  view.append(work);
  void worklists(work);
}

function rootForm() {
  const upi = el('input', { type: 'text', required: true, placeholder: 'CH-00053-0001', autocomplete: 'off' });
  return el('form', {
    id: 'root-form', class: 'stack',
    onsubmit: (event) => {
      event.preventDefault();
      location.hash = `#/deeds/root/${encodeURIComponent(upi.value.trim().toUpperCase())}`;
    },
  }, field('root-upi', 'Root of title for the parcel (UPI)', upi), el('button', { type: 'submit' }, 'Build the root of title'));
}

function searchForm(givenUpi) {
  const inputs = {
    party: el('input', { type: 'text', autocomplete: 'off', placeholder: 'a grantor or grantee, as written or as it sounds' }),
    upi: el('input', { type: 'text', autocomplete: 'off', value: givenUpi ?? undefined }),
    number: el('input', { type: 'text', autocomplete: 'off', placeholder: 'e.g. 1987/1234' }),
    text: el('input', { type: 'text', autocomplete: 'off', placeholder: 'words of the scanned deed' }),
    type: el('select', {}, el('option', { value: '' }, 'any instrument'), instrumentTypes.map((t) => el('option', { value: t }, typeWords(t)))),
    from: el('input', { type: 'date' }),
    to: el('input', { type: 'date' }),
  };
  const status = el('div', { 'aria-live': 'polite' });
  const results = el('div', { id: 'deed-results' });
  const form = el('form', {
    id: 'deed-search', class: 'stack',
    onsubmit: async (event) => {
      event.preventDefault();
      const query = new URLSearchParams();
      for (const [name, input] of Object.entries(inputs)) if (input.value.trim()) query.set(name, input.value.trim());
      if ([...query.keys()].length === 0) {
        status.replaceChildren(alert('Give at least one thing to search by: a name, a parcel, a number, words, an instrument or dates.'));
        return;
      }
      results.replaceChildren();
      const found = await attempt(status, () => api(`/api/deeds?${query}`), 'Searching the index…');
      if (!found) return;
      results.replaceChildren(found.length === 0 ? el('p', { class: 'hint' }, 'No deed in the index matches.') : deedTable('Deeds found', found));
    },
  },
  field('deed-party', 'Party', inputs.party), field('deed-upi', 'Parcel (UPI)', inputs.upi), field('deed-number', 'Registration number', inputs.number),
  field('deed-text', 'Words of the deed', inputs.text), field('deed-type', 'Instrument', inputs.type),
  field('deed-from', 'Registered from', inputs.from), field('deed-to', 'to', inputs.to),
  el('button', { type: 'submit' }, 'Search'));
  if (givenUpi) setTimeout(() => form.requestSubmit(), 0);
  return [form, status, results];
}

function deedTable(caption, deeds) {
  return pagedTable(caption, [
    ['Number', (d) => el('a', { href: `#/deeds/deed/${d.id}` }, d.registrationNumber)],
    ['Registered', (d) => day(d.registeredOn)],
    ['Instrument', (d) => typeWords(d.instrumentType)],
    ['Grantors', (d) => names(d.grantors)],
    ['Grantees', (d) => names(d.grantees)],
    ['Parcels', (d) => parcelLinks(d.upis)],
    ['Pages', (d) => String(d.pages)],
  ], deeds);
}

function lines(text) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

function recordForm() {
  const today = new Date().toISOString().slice(0, 10);
  const inputs = {
    registrationNumber: el('input', { type: 'text', required: true, autocomplete: 'off', placeholder: 'year/number or book/page, as the index writes it' }),
    registeredOn: el('input', { type: 'date', required: true, max: today }),
    instrumentDate: el('input', { type: 'date', required: true, max: today }),
    instrumentType: el('select', { required: true }, instrumentTypes.map((t) => el('option', { value: t }, typeWords(t)))),
    grantors: el('textarea', { rows: 2, required: true, placeholder: 'one name per line, as written' }),
    grantees: el('textarea', { rows: 2, required: true, placeholder: 'one name per line, as written' }),
    landDescription: el('textarea', { rows: 2, required: true }),
    upis: el('input', { type: 'text', autocomplete: 'off', placeholder: 'once identified; several separated by commas' }),
    consideration: el('input', { type: 'number', min: '0', step: '0.01', inputmode: 'decimal' }),
    attorney: el('input', { type: 'text', autocomplete: 'off' }),
    releases: el('input', { type: 'text', autocomplete: 'off', placeholder: 'for a release: the number of the mortgage it discharges' }),
  };
  const status = el('div', { 'aria-live': 'polite' });
  const form = el('form', {
    id: 'record-deed', class: 'stack',
    onsubmit: async (event) => {
      event.preventDefault();
      const v = Object.fromEntries(Object.entries(inputs).map(([k, input]) => [k, input.value.trim()]));
      const body = {
        registrationNumber: v.registrationNumber,
        registeredOn: v.registeredOn,
        instrumentDate: v.instrumentDate,
        instrumentType: v.instrumentType,
        grantors: lines(v.grantors),
        grantees: lines(v.grantees),
        landDescription: v.landDescription,
        upis: v.upis ? v.upis.split(',').map((u) => u.trim()).filter(Boolean) : [],
        consideration: v.consideration === '' ? null : Number(v.consideration),
        attorney: v.attorney || null,
        releases: v.releases || null,
      };
      const deed = await attempt(status, () => api('/api/deeds', { method: 'POST', body }), 'Recording the deed…');
      if (deed) location.hash = `#/deeds/deed/${deed.id}`;
    },
  },
  field('record-number', 'Registration number', inputs.registrationNumber),
  field('record-registered', 'Registered on', inputs.registeredOn),
  field('record-dated', 'Instrument dated', inputs.instrumentDate),
  field('record-type', 'Instrument', inputs.instrumentType),
  field('record-grantors', 'Grantors', inputs.grantors),
  field('record-grantees', 'Grantees', inputs.grantees),
  field('record-land', 'The land as described', inputs.landDescription),
  field('record-upis', 'Parcels (UPI)', inputs.upis),
  field('record-consideration', 'Consideration (XCD)', inputs.consideration),
  field('record-attorney', 'Attorney', inputs.attorney),
  field('record-releases', 'Releases mortgage', inputs.releases),
  el('button', { type: 'submit' }, 'Record the deed'));
  return [form, status];
}

// The OCR queue's counts, refreshed every 5 s while the section is on the page.
function ocrProgress() {
  const box = el('div', { id: 'ocr-progress', 'aria-live': 'polite' });
  const show = async () => {
    if (!box.isConnected && box.dataset.started) return;
    box.dataset.started = 'true';
    try {
      const p = await api('/api/deeds/ocr');
      const total = p.queued + p.running + p.done + p.failed;
      box.replaceChildren(
        el('progress', { max: String(Math.max(total, 1)), value: String(p.done + p.failed) }),
        el('p', {}, `${p.done} of ${total} pages read, ${p.queued} waiting, ${p.running} being read, ${p.failed} failed; `
          + `${p.blank} blank and ${p.unreadable} unreadable flagged; ${p.pagesPerMinuteLastHour.toFixed(1)} pages a minute over the last hour.`));
    } catch (error) {
      box.replaceChildren(alert(wordsFor(error)));
      return;
    }
    setTimeout(show, 5000);
  };
  void show();
  return box;
}

async function worklists(holder) {
  const status = el('div');
  holder.append(status);
  const lists = await attempt(status, () => Promise.all([api('/api/deeds/unlinked?limit=500'), api('/api/deeds/flagged-pages?limit=500'), api('/api/deeds/reviews?status=disputed&limit=500')]), 'Loading the work lists…');
  if (!lists) return;
  const [unlinked, flagged, disputed] = lists;
  holder.append(el('h3', {}, `Index disputed by the reviewer (${disputed.length})`),
    el('div', { id: 'disputed' }, disputed.length ? pagedTable('Deeds whose index the reviewer disputes', [
      ['Deed', (d) => el('a', { href: `#/deeds/deed/${d.deedId}` }, d.registrationNumber)],
      ['Fields', (d) => d.latest.disagreements.map((f) => `${f.field}: keyed “${f.keyed}”, reads “${f.reading}”`).join('; ')],
      ['Keyed by', (d) => d.keyedBy],
      ['Reviewed', (d) => `${moment(d.latest.reviewedAt)} by ${d.latest.reviewedBy}`],
    ], disputed) : el('p', { class: 'hint' }, 'No index is disputed.')));
  holder.append(el('h3', {}, `To link to a parcel (${unlinked.length})`),
    el('div', { id: 'unlinked' }, unlinked.length ? deedTable('Deeds not linked to a parcel', unlinked) : el('p', { class: 'hint' }, 'Every recorded deed is linked to a parcel.')));
  holder.append(el('h3', {}, `Pages to rescan (${flagged.length})`),
    el('div', { id: 'flagged' }, flagged.length ? pagedTable('Pages to rescan', [
      ['Deed', (p) => el('a', { href: `#/deeds/deed/${p.deedId}` }, p.registrationNumber)],
      ['Page', (p) => String(p.pageNumber)],
      ['Why', (p) => [...p.quality.map((q) => qualityWords[q] ?? q), p.ocrState === 'failed' ? ocrWords.failed : null].filter(Boolean).join(', ')],
      ['Scanned', (p) => moment(p.storedAt)],
    ], flagged) : el('p', { class: 'hint' }, 'No page is flagged.')));
}

async function deedPage({ view, mapTools }, id, clerk) {
  const deed = await api(`/api/deeds/${encodeURIComponent(id)}`);
  view.append(el('p', {}, el('a', { href: '#/deeds' }, '← Register of deeds')),
    el('h2', {}, `Deed ${deed.registrationNumber}`));
  view.append(facts([
    ['Instrument', `${typeWords(deed.instrumentType)}, dated ${day(deed.instrumentDate)}`],
    ['Registered', day(deed.registeredOn)],
    ['Grantors', names(deed.grantors)],
    ['Grantees', names(deed.grantees)],
    ['The land as described', deed.landDescription],
    ['Parcels', el('span', { id: 'deed-parcels' }, parcelLinks(deed.upis))],
    ['Consideration', deed.consideration != null ? money(deed.consideration) : ''],
    ['Attorney', deed.attorney],
    ['Releases mortgage', deed.releases],
    ['Recorded', `${moment(deed.recordedAt)} by ${deed.recordedBy}`],
  ]));
  for (const upi of deed.upis) {
    view.append(el('p', {}, el('a', { href: `#/deeds/root/${encodeURIComponent(upi)}` }, `Root of title of ${upi}`)));
  }
  if (deed.upis.length) void mapTools.select(deed.upis[0], true);

  const pagesBox = el('section', { id: 'deed-pages', 'aria-labelledby': 'pages-h' }, el('h3', { id: 'pages-h' }, 'Scanned pages'));
  view.append(pagesBox);
  const pageStatus = el('div', { 'aria-live': 'polite' });
  const pages = await api(`/api/deeds/${encodeURIComponent(id)}/pages`);
  pagesBox.append(pages.length === 0 ? el('p', { class: 'hint' }, 'No page scanned yet.') : table('Scanned pages', [
    ['Page', (p) => String(p.pageNumber)],
    ['Scan', (p) => `${p.width} × ${p.height} px, ${p.dpi} dpi`],
    ['Quality', (p) => (p.quality.length ? p.quality.map((q) => qualityWords[q] ?? q).join(', ') : 'good')],
    ['OCR', (p) => `${ocrWords[p.ocrState] ?? p.ocrState}${p.ocrState === 'done' ? `: ${p.ocrWords} words, confidence ${Math.round(p.ocrConfidence ?? 0)} %` : ''}`],
    ['', (p) => el('button', { type: 'button', class: 'open-page', onclick: () => openAuthorised(`/api/deeds/${deed.id}/pages/${p.pageNumber}`, pageStatus, `page ${p.pageNumber}`) }, 'Open')],
    ['Read', (p) => (p.ocrState !== 'done' ? '' : el('span', {},
      el('button', { type: 'button', class: 'page-text', onclick: () => openAuthorised(`/api/deeds/${deed.id}/pages/${p.pageNumber}/text`, pageStatus, `the text of page ${p.pageNumber}`) }, 'Text'), ' ',
      el('button', { type: 'button', class: 'page-pdf', onclick: () => openAuthorised(`/api/deeds/${deed.id}/pages/${p.pageNumber}/searchable.pdf`, pageStatus, `page ${p.pageNumber} as a searchable PDF`) }, 'Searchable PDF')))],
  ], pages, (p) => (p.quality.length ? 'flagged' : undefined)), pageStatus);
  if (pages.length && pages.every((p) => p.ocrState === 'done')) {
    pagesBox.append(el('p', {}, el('button', { type: 'button', id: 'deed-pdf', onclick: () => openAuthorised(`/api/deeds/${deed.id}/searchable.pdf`, pageStatus, 'the deed as a searchable PDF') }, 'The whole deed as a searchable PDF')));
  }

  if (!clerk) return;
  view.append(el('h3', {}, 'Add scanned pages'), ...pagesForm(deed.id));
  view.append(el('h3', {}, 'Link to a parcel'), ...linkForm(deed, mapTools));
  view.append(el('h3', {}, 'Review the index'), ...reviewForm(deed));
}

const reviewFields = [
  ['registrationNumber', 'Registration number'], ['registeredOn', 'Registered on'], ['instrumentDate', 'Instrument dated'],
  ['instrumentType', 'Instrument'], ['grantors', 'Grantors'], ['grantees', 'Grantees'], ['landDescription', 'The land as described'],
  ['upis', 'Parcels'], ['consideration', 'Consideration'], ['attorney', 'Attorney'], ['releases', 'Releases mortgage'],
];

// The second clerk's check of the keyed index against the scan: a sign-off, or each field read differently.
function reviewForm(deed) {
  const status = el('div', { 'aria-live': 'polite' });
  const rows = el('div', { class: 'stack' });
  const addRow = () => {
    const n = rows.children.length + 1;
    const which = el('select', {}, ...reviewFields.map(([value, label]) => el('option', { value }, label)));
    const reading = el('input', { type: 'text', autocomplete: 'off', class: 'review-reading' });
    const note = el('input', { type: 'text', autocomplete: 'off' });
    rows.append(el('fieldset', { class: 'review-row' }, el('legend', {}, `Field ${n}`),
      field(`review-field-${n}`, 'Field', which), field(`review-reading-${n}`, 'What the scan reads', reading), field(`review-note-${n}`, 'Note (optional)', note)));
    return { which, reading, note };
  };
  const entered = [addRow()];
  const send = async (body) => {
    const state = await attempt(status, () => api(`/api/deeds/${deed.id}/review`, { method: 'POST', body }), 'Recording the review…');
    if (state) status.replaceChildren(notice(state.status === 'signed' ? 'The index is signed off.' : `Disputed: ${state.latest.disagreements.map((d) => d.field).join(', ')}.`));
  };
  return [el('p', { class: 'hint' }, `Keyed by ${deed.recordedBy}: another clerk compares the index with the scan.`),
    el('button', { type: 'button', id: 'review-sign-off', onclick: () => send({ confirm: true }) }, 'The index matches the scan: sign it off'),
    el('form', {
      id: 'review-dispute', class: 'stack',
      onsubmit: async (event) => {
        event.preventDefault();
        await send({ disagreements: entered.filter((r) => r.reading.value.trim()).map((r) => ({ field: r.which.value, reading: r.reading.value.trim(), note: r.note.value.trim() || null })) });
      },
    }, rows, el('button', { type: 'button', onclick: () => entered.push(addRow()) }, 'Another field'), el('button', { type: 'submit' }, 'Record the disagreements')),
    status];
}

function pagesForm(id) {
  const files = el('input', { type: 'file', required: true, multiple: true, accept: 'image/png,image/jpeg,image/tiff,application/pdf' });
  const status = el('div', { 'aria-live': 'polite' });
  return [el('form', {
    id: 'add-pages', class: 'stack',
    onsubmit: async (event) => {
      event.preventDefault();
      const chosen = [...files.files];
      const bar = el('progress', { max: String(chosen.length), value: '0' });
      const words = el('p', {}, `Sending scan 1 of ${chosen.length}…`);
      status.replaceChildren(bar, words);
      for (const [i, file] of chosen.entries()) {
        const form = new FormData();
        form.append('file', file);
        try {
          await upload(`/api/deeds/${id}/pages`, form, (share) => { bar.value = i + share; });
        } catch (error) {
          status.replaceChildren(alert(`Scan ${i + 1} (${file.name}) was not stored: ${wordsFor(error)}`));
          return;
        }
        bar.value = i + 1;
        words.textContent = `Sending scan ${Math.min(i + 2, chosen.length)} of ${chosen.length}…`;
      }
      location.hash = `#/deeds/deed/${id}?r=${Date.now()}`;
    },
  }, field('pages-files', 'Scans (PNG or JPEG a page each, TIFF or PDF a page per sheet; in page order)', files), el('button', { type: 'submit' }, 'Add the pages')), status];
}

function linkForm(deed, mapTools) {
  const upi = el('input', { type: 'text', required: true, autocomplete: 'off' });
  const status = el('div', { 'aria-live': 'polite' });
  const pick = el('button', {
    type: 'button', id: 'pick-parcel',
    onclick: () => {
      status.replaceChildren(notice('Click the parcel on the map.'));
      mapTools.pickParcel((chosen) => { upi.value = chosen; status.replaceChildren(notice(`Chosen on the map: ${chosen}.`)); });
    },
  }, 'Pick on the map');
  return [el('form', {
    id: 'link-parcel', class: 'stack',
    onsubmit: async (event) => {
      event.preventDefault();
      const linked = await attempt(status, () => api(`/api/deeds/${deed.id}/parcels`, { method: 'POST', body: { upi: upi.value.trim().toUpperCase() } }), 'Linking…');
      if (linked) location.hash = `#/deeds/deed/${deed.id}?r=${Date.now()}`;
    },
  }, el('p', { class: 'hint' }, `The land as described: ${deed.landDescription}`),
  field('link-upi', 'Parcel (UPI)', upi), pick, el('button', { type: 'submit' }, 'Link the deed')), status];
}

async function rootPage({ view, mapTools, user }, upi) {
  const years = new URLSearchParams(location.hash.split('?')[1] ?? '').get('years');
  const query = years ? `?years=${encodeURIComponent(years)}` : '';
  view.append(el('p', {}, el('a', { href: '#/deeds' }, '← Register of deeds')), el('h2', {}, `Root of title of ${upi}`));
  const status = el('div', { 'aria-live': 'polite' });
  view.append(status);
  const report = await attempt(status, () => api(`/api/deeds/root-of-title/${encodeURIComponent(upi)}${query}`), 'Building the root of title…');
  if (!report) return;
  void mapTools.select(upi, true);
  const errors = report.findings.filter((f) => f.severity === 'error');
  view.append(el('p', { id: 'root-verdict', class: report.sound ? 'notice' : 'alert', role: 'status' }, report.sound
    ? `Title shown: a good root of at least ${report.rootYears} years and an unbroken chain to today${report.findings.length ? ', with points to explain below' : ''}.`
    : `Title not proved: ${errors.length} ${errors.length === 1 ? 'break' : 'breaks'} to resolve (below).`));
  view.append(facts([
    ['Good root', report.root ? `${report.root.registrationNumber}, ${typeWords(report.root.instrumentType)} registered ${day(report.root.registeredOn)}` : 'none found'],
    ['Holds the land now', names(report.holders)],
    ['As of', day(report.asOf)],
  ]));
  view.append(el('h3', {}, 'The chain'), report.chain.length === 0 ? el('p', { class: 'hint' }, 'No deed passing this land is linked to the parcel.')
    : el('div', { id: 'chain' }, table('Chain of title', [
      ['Deed', (c) => [el('a', { href: `#/deeds/deed/${c.deed.id}` }, c.deed.registrationNumber), c.role === 'root' ? ' (root)' : '',
        el('div', { class: 'hint' }, `${typeWords(c.deed.instrumentType)}, ${day(c.deed.registeredOn)}`)]],
      ['From', (c) => names(c.deed.grantors)],
      ['To', (c) => names(c.deed.grantees)],
    ], report.chain)));
  if (report.mortgages.length) {
    view.append(el('h3', {}, 'Mortgages'), table('Mortgages', [
      ['Number', (m) => el('a', { href: `#/deeds/deed/${m.id}` }, m.registrationNumber)],
      ['Registered', (m) => day(m.registeredOn)],
      ['Mortgagee', (m) => names(m.grantees)],
    ], report.mortgages));
  }
  view.append(el('h3', {}, 'What the search found'), report.findings.length === 0
    ? el('p', { id: 'findings', class: 'hint' }, 'Nothing: no break, gap, name variant or unreleased mortgage.')
    : el('ul', { id: 'findings' }, report.findings.map((f) => el('li', { class: f.severity, 'data-rule': f.rule },
      el('strong', {}, `${ruleWords[f.rule] ?? f.rule}${f.severity === 'error' ? ' (must be resolved)' : ' (to explain)'}: `), f.message))));
  const yearsInput = el('input', { type: 'number', min: '1', max: '200', value: String(report.rootYears) });
  const printStatus = el('div', { 'aria-live': 'polite' });
  view.append(el('form', {
    id: 'root-years', class: 'stack',
    onsubmit: (event) => { event.preventDefault(); location.hash = `#/deeds/root/${encodeURIComponent(upi)}?years=${yearsInput.value}`; },
  }, field('root-years-input', 'A good root at least this many years old', yearsInput), el('button', { type: 'submit' }, 'Search again')),
  el('p', {}, el('button', { type: 'button', id: 'root-print', onclick: () => openAuthorised(`/api/deeds/root-of-title/${encodeURIComponent(upi)}?f=html${years ? `&years=${encodeURIComponent(years)}` : ''}`, printStatus, 'the printable report') }, 'Printable report')), printStatus);
  const conversion = openConversionForm(report, user);
  if (conversion) view.append(conversion);
}

/** The public's part of a parcel page: the deeds recorded for it, as the index shows them to anyone. */
export async function publicDeedsSection(upi, user) {
  const section = el('section', { id: 'deeds-index', 'aria-labelledby': 'deeds-index-h' }, el('h3', { id: 'deeds-index-h' }, 'Deeds recorded'));
  try {
    const entries = await api(`/api/deeds/public?upi=${encodeURIComponent(upi)}`);
    section.append(entries.length === 0 ? el('p', { class: 'hint' }, 'No deed in the register of deeds is linked to this parcel.') : table('Deeds recorded', [
      ['Number', (d) => d.registrationNumber],
      ['Registered', (d) => day(d.registeredOn)],
      ['Instrument', (d) => typeWords(d.instrumentType)],
      ['From', (d) => (d.grantors ? names(d.grantors) : 'withheld')],
      ['To', (d) => (d.grantees ? names(d.grantees) : 'withheld')],
    ], entries));
    if (readers.some((r) => (user?.roles ?? []).includes(r))) {
      section.append(el('p', {}, el('a', { href: `#/deeds/root/${encodeURIComponent(upi)}` }, 'Root of title'), ' · ', el('a', { href: `#/deeds?upi=${encodeURIComponent(upi)}` }, 'Search its deeds')));
    } else if (entries.length) {
      section.append(el('p', { class: 'hint' }, 'The scans, the considerations and the root of title are for attorneys-at-law and registry staff.'));
    }
  } catch (error) {
    section.append(el('p', { class: 'hint' }, wordsFor(error)));
  }
  return section;
}
