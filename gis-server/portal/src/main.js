// The portal: the public map (parcels as vector tiles, hazard layers, search, parcel pages, fees) and,
// once signed in, a view for each role. Views are hash routes (#/parcel/CH-00053-0001, #/surveys, …)
// rendered into the side panel; the map stays and views draw on it through `mapTools`.
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import { Circle as CircleStyle, Fill, Stroke, Style, Text } from 'ol/style.js';
import { fromLonLat, transformExtent, toLonLat } from 'ol/proj.js';
import { defaults as defaultControls, ScaleLine } from 'ol/control.js';
import Draw, { createBox } from 'ol/interaction/Draw.js';
import { layerDefinitions, vectorTileLayer } from './layers.js';
import { fetchParcel, showParcel } from './parcel.js';
import { wireSearch } from './search.js';
import { completeSignIn, currentUser, signIn, signOut } from './auth.js';
import { renderAccount, routes, sectionsFor } from './router.js';
import { wordsFor } from './api.js';

// Back from the sign-in page: trade the code for tokens, then continue where the person was.
if (location.pathname === '/signin-callback') {
  let next = '#/';
  try {
    next = await completeSignIn();
  } catch (error) {
    next = `#/signin-failed/${encodeURIComponent(error.message)}`;
  }
  history.replaceState(null, '', `/${next}`);
}

const panel = document.getElementById('parcel');
const viewPanel = document.getElementById('view');
const selection = new VectorSource();
const selectionLayer = new VectorLayer({
  source: selection,
  style: new Style({ stroke: new Stroke({ color: '#e63946', width: 3 }) }),
  zIndex: 100,
});

// What a view draws on the map: survey lots and errors, the planner's box and what it found.
const overlay = new VectorSource();
const overlayStyles = {
  error: new Style({
    image: new CircleStyle({ radius: 9, stroke: new Stroke({ color: '#d00000', width: 3 }), fill: new Fill({ color: 'rgba(208,0,0,0.25)' }) }),
  }),
  warning: new Style({ image: new CircleStyle({ radius: 7, stroke: new Stroke({ color: '#c77d00', width: 2 }) }) }),
  parent: new Style({ stroke: new Stroke({ color: '#1d3557', width: 2, lineDash: [6, 4] }) }),
  lot: new Style({ stroke: new Stroke({ color: '#2a9d8f', width: 2 }), fill: new Fill({ color: 'rgba(42,157,143,0.15)' }) }),
  area: new Style({ stroke: new Stroke({ color: '#e76f51', width: 2 }), fill: new Fill({ color: 'rgba(231,111,81,0.08)' }) }),
  hit: new Style({ stroke: new Stroke({ color: '#d62828', width: 2 }), fill: new Fill({ color: 'rgba(214,40,40,0.25)' }) }),
};
const overlayLayer = new VectorLayer({
  source: overlay,
  style: (feature) => {
    const style = overlayStyles[feature.get('kind')] ?? overlayStyles.hit;
    if (feature.get('label') && (feature.get('kind') === 'parent' || feature.get('kind') === 'lot')) {
      return [style, new Style({ text: new Text({ text: String(feature.get('label')), fill: new Fill({ color: '#1d3557' }) }) })];
    }
    return style;
  },
  zIndex: 90,
});

const map = new Map({
  target: 'map',
  controls: defaultControls().extend([new ScaleLine()]),
  view: new View({ center: [0, 0], zoom: 2, maxZoom: 21 }),
});

const loaded = await Promise.all((await layerDefinitions()).map(vectorTileLayer));
for (const { layer } of loaded) map.addLayer(layer);
map.addLayer(overlayLayer);
map.addLayer(selectionLayer);

const parcels = loaded[0];
if (parcels.tilejson.bounds) {
  map.getView().fit(transformExtent(parcels.tilejson.bounds, 'EPSG:4326', 'EPSG:3857'), { padding: [20, 20, 20, 20] });
}

// Layer switches: one checkbox per layer.
const fieldset = document.getElementById('layers');
for (const { layer } of loaded) {
  const label = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.name = layer.get('id');
  box.checked = layer.getVisible();
  box.addEventListener('change', () => layer.setVisible(box.checked));
  label.append(box, ' ', layer.get('title'));
  fieldset.append(label);
}

const geojson = new GeoJSON();

async function select(upi, zoomTo) {
  let feature;
  try {
    feature = await fetchParcel(upi);
  } catch (error) {
    showParcel(panel, null, wordsFor(error));
    return null;
  }
  selection.clear();
  showParcel(panel, feature);
  if (!feature) return null;
  const shape = geojson.readFeature(feature, { dataProjection: 'EPSG:3857', featureProjection: 'EPSG:3857' });
  selection.addFeature(shape);
  if (zoomTo) {
    map.getView().fit(shape.getGeometry(), { padding: [60, 60, 60, 60], maxZoom: 19, duration: 300 });
  }
  return feature;
}

map.on('singleclick', (event) => {
  if (drawing) return;
  const hit = map.getFeaturesAtPixel(event.pixel, { layerFilter: (l) => l === parcels.layer })[0];
  const upi = hit?.get('upi');
  if (upi && picking) {
    const chosen = picking;
    picking = null;
    chosen(upi);
    return;
  }
  if (upi) {
    select(upi, false);
  } else {
    selection.clear();
    showParcel(panel, null);
  }
});

wireSearch(document.getElementById('search'), document.getElementById('search-results'), (upi) => {
  location.hash = `#/parcel/${encodeURIComponent(upi)}`;
});

// Tools the role views use to draw on the map.
let drawing = null;
let picking = null; // a view waiting for the person to click a parcel (e.g. to link a deed to it)
const mapTools = {
  map,
  geojson,
  layer: (id) => loaded.find((l) => l.layer.get('id') === id)?.layer,
  showLayer(id, visible = true) {
    const layer = mapTools.layer(id);
    layer?.setVisible(visible);
    const box = fieldset.querySelector(`input[name='${id}']`);
    if (box) box.checked = visible;
  },
  clearOverlay() { overlay.clear(); },
  /** Adds GeoJSON features (in `projection`, default EPSG:3857) with a kind: error, warning, parent, lot, area, hit. */
  addOverlay(features, kind, projection = 'EPSG:3857') {
    const read = geojson.readFeatures({ type: 'FeatureCollection', features }, { dataProjection: projection, featureProjection: 'EPSG:3857' });
    for (const f of read) f.set('kind', kind);
    overlay.addFeatures(read);
    return read;
  },
  overlayCount: (kind) => overlay.getFeatures().filter((f) => f.get('kind') === kind).length,
  fitOverlay() {
    if (overlay.getFeatures().length === 0) return;
    map.getView().fit(overlay.getExtent(), { padding: [40, 40, 40, 40], maxZoom: 19, duration: 300 });
  },
  /** Lets the person drag a box on the map; calls back with [minLon, minLat, maxLon, maxLat]. */
  drawBox(onBox) {
    mapTools.stopDrawing();
    drawing = new Draw({ source: overlay, type: 'Circle', geometryFunction: createBox() });
    drawing.on('drawend', (event) => {
      event.feature.set('kind', 'area');
      const extent = transformExtent(event.feature.getGeometry().getExtent(), 'EPSG:3857', 'EPSG:4326');
      setTimeout(() => mapTools.stopDrawing(), 0);
      onBox(extent);
    });
    map.addInteraction(drawing);
  },
  stopDrawing() {
    if (drawing) map.removeInteraction(drawing);
    drawing = null;
  },
  /** The next parcel clicked on the map goes to `onUpi` instead of opening its panel. */
  pickParcel(onUpi) { picking = onUpi; },
  viewBox: () => transformExtent(map.getView().calculateExtent(map.getSize()), 'EPSG:3857', 'EPSG:4326'),
  select,
};

// The account links and the sections the signed-in person may use.
const accountNav = document.getElementById('account');
const sectionsNav = document.getElementById('sections');
renderAccount(accountNav, currentUser(), { signIn: () => signIn(location.hash || '#/'), signOut: () => signOut() });

async function route() {
  const hash = location.hash || '#/';
  const [, name = '', ...rest] = hash.split('?')[0].split('/');
  const argument = rest.map(decodeURIComponent).join('/');
  const user = currentUser();
  sectionsNav.replaceChildren(...sectionsFor(user).map(([href, text]) => {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    if (hash === href || (href !== '#/' && hash.startsWith(href))) a.setAttribute('aria-current', 'page');
    return a;
  }));
  mapTools.stopDrawing();
  picking = null;
  const render = routes[name] ?? routes[''];
  viewPanel.replaceChildren();
  try {
    await render({ view: viewPanel, parcelPanel: panel, argument, user, mapTools, signIn: () => signIn(hash) });
  } catch (error) {
    viewPanel.replaceChildren(alertBox(wordsFor(error)));
  }
  document.body.dataset.route = name || 'map';
}

function alertBox(text) {
  const p = document.createElement('p');
  p.className = 'alert';
  p.setAttribute('role', 'alert');
  p.textContent = text;
  return p;
}

// "Skip to content" moves the focus to the panel; following its #view link would change the route and empty the panel.
document.querySelector('a.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  viewPanel.focus();
});

window.addEventListener('hashchange', route);
await route();

// For scripted checks (the browser test): what the map shows now, and how often it finished drawing.
let renders = 0;
map.on('rendercomplete', () => { renders += 1; });
window.landplatform = {
  renders: () => renders,
  centreOn: (lon, lat, zoom) => map.getView().setCenter(fromLonLat([lon, lat])) ?? map.getView().setZoom(zoom),
  map,
  view: () => ({ zoom: map.getView().getZoom(), center: toLonLat(map.getView().getCenter()) }),
  selected: () => selection.getFeatures().map((f) => f.get('upi')),
  overlay: (kind) => mapTools.overlayCount(kind),
  // The area the planner drew, in longitude/latitude: [minLon, minLat, maxLon, maxLat].
  area: () => {
    const box = overlay.getFeatures().find((f) => f.get('kind') === 'area');
    return box ? transformExtent(box.getGeometry().getExtent(), 'EPSG:3857', 'EPSG:4326') : null;
  },
  renderedParcels: () => {
    const extent = map.getView().calculateExtent(map.getSize());
    return parcels.layer.getFeaturesInExtent ? parcels.layer.getFeaturesInExtent(extent).length : -1;
  },
};
document.body.dataset.ready = 'true';
