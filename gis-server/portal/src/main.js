// The public map page: parcels as vector tiles on a plain background, hazard layers to toggle,
// search by UPI or address, and a click that shows a parcel's public attributes.
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import { Stroke, Style } from 'ol/style.js';
import { fromLonLat, transformExtent, toLonLat } from 'ol/proj.js';
import { defaults as defaultControls, ScaleLine } from 'ol/control.js';
import { layerDefinitions, vectorTileLayer } from './layers.js';
import { fetchParcel, showParcel } from './parcel.js';
import { wireSearch } from './search.js';

const panel = document.getElementById('parcel');
const selection = new VectorSource();
const selectionLayer = new VectorLayer({
  source: selection,
  style: new Style({ stroke: new Stroke({ color: '#e63946', width: 3 }) }),
  zIndex: 100,
});

const map = new Map({
  target: 'map',
  controls: defaultControls().extend([new ScaleLine()]),
  view: new View({ center: [0, 0], zoom: 2, maxZoom: 21 }),
});

const loaded = await Promise.all(layerDefinitions.map(vectorTileLayer));
for (const { layer } of loaded) map.addLayer(layer);
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
  const feature = await fetchParcel(upi);
  selection.clear();
  showParcel(panel, feature);
  if (!feature) return;
  const shape = geojson.readFeature(feature, { dataProjection: 'EPSG:3857', featureProjection: 'EPSG:3857' });
  selection.addFeature(shape);
  if (zoomTo) {
    map.getView().fit(shape.getGeometry(), { padding: [60, 60, 60, 60], maxZoom: 19, duration: 300 });
  }
}

map.on('singleclick', (event) => {
  const hit = map.getFeaturesAtPixel(event.pixel, { layerFilter: (l) => l === parcels.layer })[0];
  const upi = hit?.get('upi');
  if (upi) {
    select(upi, false);
  } else {
    selection.clear();
    showParcel(panel, null);
  }
});

wireSearch(document.getElementById('search'), document.getElementById('search-results'), (upi) => select(upi, true));

// For scripted checks (the browser test): what the map shows now, and how often it finished drawing.
let renders = 0;
map.on('rendercomplete', () => { renders += 1; });
window.landplatform = {
  renders: () => renders,
  centreOn: (lon, lat, zoom) => map.getView().setCenter(fromLonLat([lon, lat])) ?? map.getView().setZoom(zoom),
  map,
  view: () => ({ zoom: map.getView().getZoom(), center: toLonLat(map.getView().getCenter()) }),
  selected: () => selection.getFeatures().map((f) => f.get('upi')),
  renderedParcels: () => {
    const extent = map.getView().calculateExtent(map.getSize());
    return parcels.layer.getFeaturesInExtent ? parcels.layer.getFeaturesInExtent(extent).length : -1;
  },
};
document.body.dataset.ready = 'true';
