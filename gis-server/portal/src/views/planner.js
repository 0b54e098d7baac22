// The planner: hazard layers over parcels and buildings, an area drawn on the map, and the parcels
// and buildings in it that a hazard zone touches (OGC API Features: bbox for the zones, a CQL2
// S_INTERSECTS filter per zone for parcels and buildings), listed, counted and exported.
import { api } from '../api.js';
import { alert, el, hazardWords, notice } from '../dom.js';
import { pagedTable } from './notary.js';

const hazards = [['flood-zones', 'Flood'], ['landslide-zones', 'Landslide'], ['storm-surge-zones', 'Storm surge']];
const maxFilterLength = 5000; // characters of WKT in one URL; larger areas are split into quarters

export async function plannerView({ view, user, signIn, mapTools }) {
  mapTools.clearOverlay();
  if (!user?.roles.includes('planner')) {
    view.append(el('h2', {}, 'Hazard analysis'), el('p', {}, 'Sign in as a planner to analyse hazard exposure.'), el('button', { type: 'button', onclick: signIn }, 'Sign in'));
    return;
  }
  view.append(el('h2', {}, 'Hazard analysis'));
  const choices = el('fieldset', { id: 'hazards' }, el('legend', {}, 'Hazards'), hazards.map(([id, title]) => {
    const box = el('input', { type: 'checkbox', name: `hazard-${id}`, value: id, checked: id === 'flood-zones' });
    box.addEventListener('change', () => mapTools.showLayer(id, box.checked));
    mapTools.showLayer(id, box.checked);
    return el('label', {}, box, ` ${title}`);
  }));
  const results = el('div', { id: 'analysis', 'aria-live': 'polite' });
  const chosen = () => [...choices.querySelectorAll('input:checked')].map((b) => b.value);
  const run = async (box) => {
    results.replaceChildren(el('p', { role: 'status' }, 'Finding the parcels and buildings the hazard zones touch…'));
    try {
      await analyse(box, chosen(), results, mapTools);
    } catch (error) {
      results.replaceChildren(alert(error.message));
    }
  };
  view.append(choices,
    el('p', {}, 'Drag a box on the map (click one corner, then the opposite one), or take the area the map shows now.'),
    el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'draw-area', onclick: () => { mapTools.clearOverlay(); mapTools.drawBox(run); results.replaceChildren(notice('Click the first corner on the map, then the opposite corner.')); } }, 'Draw an area'),
      ' ',
      el('button', { type: 'button', id: 'view-area', onclick: () => { mapTools.clearOverlay(); run(mapTools.viewBox()); } }, 'Use the map view')),
    results);
}

async function fetchAll(url) {
  const features = [];
  let next = url;
  while (next) {
    const page = await api(next, { headers: { Accept: 'application/geo+json' } });
    features.push(...page.features);
    next = page.links?.find((l) => l.rel === 'next')?.href ?? null;
  }
  return features;
}

async function analyse(box, chosen, results, mapTools) {
  if (chosen.length === 0) throw new Error('Choose at least one hazard.');
  const bbox = box.map((n) => n.toFixed(6)).join(',');
  const parcels = new Map();
  const buildings = new Map();
  for (const collection of chosen) {
    const zones = await fetchAll(`/ogc/collections/${collection}/items?bbox=${bbox}&limit=1000`);
    for (const zone of zones) {
      const label = hazardWords(zone.properties.hazard, zone.properties.level);
      for (const piece of pieces(zone.geometry, box)) {
        const filter = encodeURIComponent(`S_INTERSECTS(geometry,${piece})`);
        for (const [target, found, key] of [['parcels', parcels, (f) => f.properties.upi], ['buildings', buildings, (f) => String(f.id)]]) {
          const hits = await fetchAll(`/ogc/collections/${target}/items?bbox=${bbox}&filter-lang=cql2-text&filter=${filter}&limit=1000`);
          for (const hit of hits) {
            const entry = found.get(key(hit)) ?? { feature: hit, hazards: new Set() };
            entry.hazards.add(label);
            found.set(key(hit), entry);
          }
        }
      }
    }
  }
  const parcelRows = [...parcels.values()].sort((a, b) => a.feature.properties.upi.localeCompare(b.feature.properties.upi));
  const buildingRows = [...buildings.values()];
  mapTools.addOverlay(parcelRows.map((r) => r.feature), 'hit', 'EPSG:4326');
  mapTools.addOverlay(buildingRows.map((r) => r.feature), 'hit', 'EPSG:4326');

  const summary = el('p', { id: 'counts' }, el('strong', {}, `${parcelRows.length} parcels`), ' and ', el('strong', {}, `${buildingRows.length} buildings`),
    ' in the area touch a hazard zone.');
  const hazardsOf = (r) => [...r.hazards].join('; ');
  const csv = [['layer', 'id', 'land_use_or_use', 'address', 'hazards'].join(','),
    ...parcelRows.map((r) => ['parcel', r.feature.properties.upi, r.feature.properties.land_use, r.feature.properties.address ?? '', hazardsOf(r)].map(csvCell).join(',')),
    ...buildingRows.map((r) => ['building', r.feature.id, r.feature.properties.use ?? '', r.feature.properties.upi ?? '', hazardsOf(r)].map(csvCell).join(','))].join('\r\n');
  const collection = {
    type: 'FeatureCollection',
    features: [...parcelRows.map((r) => ({ ...r.feature, properties: { ...r.feature.properties, layer: 'parcels', hazards: [...r.hazards] } })),
      ...buildingRows.map((r) => ({ ...r.feature, properties: { ...r.feature.properties, layer: 'buildings', hazards: [...r.hazards] } }))],
  };
  const link = (text, id, type, content, name) => el('a', { id, href: URL.createObjectURL(new Blob([content], { type })), download: name }, text);
  results.replaceChildren(summary,
    el('p', {}, 'Export: ', link('CSV', 'export-csv', 'text/csv', csv, 'hazard-exposure.csv'), ' · ',
      link('GeoJSON', 'export-geojson', 'application/geo+json', JSON.stringify(collection), 'hazard-exposure.geojson')),
    el('h3', {}, 'Parcels'),
    parcelRows.length ? pagedTable('Affected parcels', [
      ['UPI', (r) => el('a', { href: `#/parcel/${r.feature.properties.upi}` }, r.feature.properties.upi)],
      ['Land use', (r) => r.feature.properties.land_use ?? ''],
      ['Hazards', hazardsOf],
    ], parcelRows) : el('p', { class: 'hint' }, 'None.'),
    el('h3', {}, 'Buildings'),
    buildingRows.length ? pagedTable('Affected buildings', [
      ['Building', (r) => String(r.feature.id)], ['On parcel', (r) => r.feature.properties.upi ?? ''], ['Use', (r) => r.feature.properties.use ?? ''], ['Hazards', hazardsOf],
    ], buildingRows) : el('p', { class: 'hint' }, 'None.'));
}

const csvCell = (value) => {
  const text = String(value ?? '');
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

// A zone's polygons clipped to the box, as WKT small enough for a URL (quartering the box as needed).
function pieces(geometry, box, depth = 0) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  const clipped = polygons.map((rings) => rings.map((ring) => clipRing(ring, box)))
    .filter((rings) => rings[0].length >= 4) // the outer ring reaches into the box
    .map((rings) => rings.filter((ring) => ring.length >= 4));
  if (clipped.length === 0) return [];
  const wkt = `MULTIPOLYGON(${clipped.map((rings) => `(${rings.map((r) => `(${r.map(([x, y]) => `${x.toFixed(6)} ${y.toFixed(6)}`).join(',')})`).join(',')})`).join(',')})`;
  if (wkt.length <= maxFilterLength || depth > 6) return [wkt];
  const [minX, minY, maxX, maxY] = box;
  const midX = (minX + maxX) / 2;
  const midY = (minY + maxY) / 2;
  return [[minX, minY, midX, midY], [midX, minY, maxX, midY], [minX, midY, midX, maxY], [midX, midY, maxX, maxY]]
    .flatMap((quarter) => pieces(geometry, quarter, depth + 1));
}

// Sutherland–Hodgman: a ring clipped to an axis-aligned box (closed ring in, closed ring out).
function clipRing(ring, [minX, minY, maxX, maxY]) {
  let points = ring.slice(0, -1);
  const edges = [
    [(p) => p[0] >= minX, (a, b) => cut(a, b, 0, minX)], [(p) => p[0] <= maxX, (a, b) => cut(a, b, 0, maxX)],
    [(p) => p[1] >= minY, (a, b) => cut(a, b, 1, minY)], [(p) => p[1] <= maxY, (a, b) => cut(a, b, 1, maxY)],
  ];
  for (const [inside, intersect] of edges) {
    const input = points;
    points = [];
    for (let i = 0; i < input.length; i += 1) {
      const current = input[i];
      const previous = input[(i + input.length - 1) % input.length];
      if (inside(current)) {
        if (!inside(previous)) points.push(intersect(previous, current));
        points.push(current);
      } else if (inside(previous)) {
        points.push(intersect(previous, current));
      }
    }
    if (points.length === 0) return [];
  }
  return points.length >= 3 ? [...points, points[0]] : [];
}

function cut(a, b, axis, value) {
  const t = (value - a[axis]) / (b[axis] - a[axis]);
  return axis === 0 ? [value, a[1] + t * (b[1] - a[1])] : [a[0] + t * (b[0] - a[0]), value];
}
