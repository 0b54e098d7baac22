// The surveyor: lodge a survey file, watch it go up and be checked, read the report with the errors
// marked on the map, and resubmit a corrected file.
import proj4 from 'proj4';
import { register } from 'ol/proj/proj4.js';
import { api, openAuthorised, upload, wordsFor } from '../api.js';
import { alert, attempt, el, facts, field, moment, notice, table } from '../dom.js';

// The national grid (St. Vincent 45 / British West Indies Grid), as PostGIS defines it.
proj4.defs('EPSG:2007', '+proj=tmerc +lat_0=0 +lon_0=-62 +k=0.9995000000000001 +x_0=400000 +y_0=0 +ellps=clrk80 +towgs84=195.671,332.517,274.607,0,0,0,0 +units=m +no_defs');
register(proj4);

const statusWords = {
  submitted: 'submitted, being checked', checked: 'checked, waiting for the examiner', examined: 'examined, waiting for the registrar',
  approved: 'approved and in the fabric', rejected: 'rejected',
};

const severityOf = (f) => (typeof f.severity === 'number' ? ['error', 'warning', 'information'][f.severity] : f.severity);

export async function surveyorView(context) {
  const { view, argument, user, signIn, mapTools } = context;
  mapTools.clearOverlay();
  if (!user?.roles.includes('surveyor')) {
    view.append(el('h2', {}, 'Surveys'), el('p', {}, 'Sign in as a licensed surveyor to lodge surveys.'),
      el('button', { type: 'button', onclick: signIn }, 'Sign in'));
    return;
  }
  if (argument) {
    await surveyPage(context, argument);
    return;
  }
  view.append(el('h2', {}, 'Lodge a survey'));
  view.append(fileForm('lodge', 'Lodge and check', true, async (form, progress) => {
    const lodged = await upload('/api/surveys', form, progress);
    location.hash = `#/surveys/${lodged.survey.id}`;
  }));

  view.append(el('h2', {}, 'My surveys'));
  const status = el('div');
  view.append(status);
  const surveys = await attempt(status, () => api('/api/surveys'), 'Loading your surveys…');
  if (!surveys) return;
  view.append(surveys.length === 0 ? el('p', { class: 'hint' }, 'You have not lodged a survey yet.') : table('My surveys', [
    ['Reference', (s) => el('a', { href: `#/surveys/${s.id}` }, s.reference)],
    ['Status', (s) => statusWords[s.status] ?? s.status],
    ['Revision', (s) => String(s.revision)],
    ['Lodged', (s) => moment(s.submittedAt)],
  ], surveys.slice().reverse()));
}

/** A form with a survey file (and, for a first lodgement, CRS, parents, reference), uploaded with progress. */
function fileForm(id, buttonText, first, send) {
  const file = el('input', { type: 'file', required: true, accept: '.xml,.geojson,.json,.csv,.zip,.gpkg,.dxf' });
  const parts = [...field(`${id}-file`, 'Survey file (LandXML, GeoJSON, CSV, zipped Shapefile, GeoPackage, DXF)', file)];
  let crs;
  let parents;
  let reference;
  if (first) {
    crs = el('select', {}, el('option', { value: '' }, 'Named in the file'), el('option', { value: 'EPSG:2007' }, 'EPSG:2007 (national grid)'),
      el('option', { value: 'EPSG:4326' }, 'EPSG:4326 (latitude, longitude)'));
    parents = el('input', { type: 'text', placeholder: 'e.g. CH-00053-0001', autocomplete: 'off' });
    reference = el('input', { type: 'text', autocomplete: 'off' });
    parts.push(...field(`${id}-crs`, 'Coordinate reference system (CSV and DXF)', crs),
      ...field(`${id}-parents`, 'Parent parcels, if the file does not name them (comma-separated UPIs)', parents),
      ...field(`${id}-reference`, 'Your reference (optional)', reference));
  }
  const progress = el('progress', { max: 1, value: 0, hidden: true, 'aria-label': 'Upload progress' });
  const status = el('div', { 'aria-live': 'polite' });
  const button = el('button', { type: 'submit' }, buttonText);
  return el('form', {
    id, class: 'stack',
    onsubmit: async (event) => {
      event.preventDefault();
      const form = new FormData();
      form.append('file', file.files[0]);
      if (crs?.value) form.append('crs', crs.value);
      if (parents?.value.trim()) form.append('parents', parents.value.trim());
      if (reference?.value.trim()) form.append('reference', reference.value.trim());
      button.disabled = true;
      progress.hidden = false;
      status.replaceChildren(el('p', { role: 'status' }, 'Uploading…'));
      try {
        await send(form, (share) => {
          progress.value = share;
          if (share >= 1) status.replaceChildren(el('p', { role: 'status' }, 'Uploaded. Checking the survey against the fabric…'));
        });
      } catch (error) {
        status.replaceChildren(alert(wordsFor(error)));
      } finally {
        button.disabled = false;
        progress.hidden = true;
      }
    },
  }, parts, button, progress, status);
}

async function surveyPage({ view, mapTools }, id) {
  const { survey, revisions } = await api(`/api/surveys/${encodeURIComponent(id)}`);
  const report = await api(`/api/surveys/${encodeURIComponent(id)}/report`);
  view.append(el('p', {}, el('a', { href: '#/surveys' }, '← My surveys')));
  view.append(el('h2', {}, `Survey ${survey.reference}`));
  view.append(facts([
    ['Status', statusWords[survey.status] ?? survey.status],
    ['Parents', survey.parents.join(', ')],
    ['Revision', `${report.revision} of ${revisions.length} (${report.fileName}, ${report.format}, ${report.crs})`],
    ['Checked', moment(report.checkedAt)],
    ['Decision', survey.reason ? `${survey.reason} (${survey.decidedBy})` : ''],
  ]));
  view.append(report.passed
    ? notice(`Passed: no errors, ${report.warnings} warning(s).`)
    : alert(`Failed: ${report.errors} error(s), ${report.warnings} warning(s). The errors are circled on the map.`));
  const findings = report.findings.map((f) => ({ ...f, severity: severityOf(f) }));
  view.append(el('h3', {}, 'Check report'), table('Findings', [
    ['Rule', (f) => f.rule],
    ['', (f) => f.severity],
    ['Finding', (f) => f.message],
  ], findings, (f) => f.severity));
  // The printable report is fetched with the surveyor's token (a plain link would send none and show a 401).
  const printStatus = el('div', { 'aria-live': 'polite' });
  view.append(el('p', {}, el('button', {
    type: 'button', id: 'survey-print',
    onclick: () => openAuthorised(`/api/surveys/${encodeURIComponent(id)}/report?f=html`, printStatus, 'the printable report'),
  }, 'Printable report')), printStatus);

  // On the map: the parents dashed, each located finding circled.
  for (const upi of survey.parents) {
    try {
      const parent = await api(`/api/parcels/${encodeURIComponent(upi)}?crs=EPSG:3857`);
      const [shape] = mapTools.addOverlay([parent], 'parent');
      shape.set('label', upi);
    } catch { /* a parent the fabric does not know is named in the report already */ }
  }
  // The proposed lots, each with its label, over the fabric.
  try {
    const lots = await api(`/api/surveys/${encodeURIComponent(id)}/lots`, { headers: { Accept: 'application/geo+json' } });
    for (const shape of mapTools.addOverlay(lots.features, 'lot')) shape.set('label', shape.get('label') ?? shape.getId());
  } catch { /* the report above already says what is wrong with the file */ }
  const points = (kind) => findings.filter((f) => f.severity === kind && f.x != null && f.y != null)
    .map((f) => ({ type: 'Feature', properties: { rule: f.rule }, geometry: { type: 'Point', coordinates: [f.x, f.y] } }));
  mapTools.addOverlay(points('error'), 'error', 'EPSG:2007');
  mapTools.addOverlay(points('warning'), 'warning', 'EPSG:2007');
  mapTools.fitOverlay();

  if (survey.status === 'submitted' || survey.status === 'checked') {
    view.append(el('h3', {}, 'Resubmit a corrected file'), fileForm('resubmit', 'Resubmit', false, async (form, progress) => {
      await upload(`/api/surveys/${encodeURIComponent(id)}/revisions`, form, progress);
      location.hash = `#/surveys/${id}?r=${Date.now()}`;
    }));
  }
}
