// The map's layers: vector tiles from /tiles (TileJSON), drawn with Canvas 2D.
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import MVT from 'ol/format/MVT.js';
import { Fill, Stroke, Style } from 'ol/style.js';

const landUseFill = {
  residential: 'rgba(255, 244, 214, 0.9)',
  commercial: 'rgba(250, 214, 214, 0.9)',
  agricultural: 'rgba(222, 240, 200, 0.9)',
  industrial: 'rgba(226, 218, 238, 0.9)',
  institutional: 'rgba(214, 230, 250, 0.9)',
  forest: 'rgba(200, 228, 200, 0.9)',
};
const parcelStroke = new Stroke({ color: '#8a5a2b', width: 1 });
const parcelStyles = new Map();

/** Parcels: filled by land use, outlined in brown. */
function parcelStyle(feature) {
  const use = feature.get('land_use') ?? '';
  let style = parcelStyles.get(use);
  if (!style) {
    style = new Style({ fill: new Fill({ color: landUseFill[use] ?? 'rgba(245, 240, 230, 0.9)' }), stroke: parcelStroke });
    parcelStyles.set(use, style);
  }
  return style;
}

const hazardColours = {
  'flood-zones': [30, 110, 220],
  'landslide-zones': [150, 90, 40],
  'storm-surge-zones': [120, 40, 170],
};
const levelAlpha = { low: 0.2, medium: 0.35, high: 0.5 };

function hazardStyle(id) {
  const [r, g, b] = hazardColours[id];
  const styles = Object.fromEntries(Object.entries(levelAlpha).map(([level, alpha]) =>
    [level, new Style({ fill: new Fill({ color: `rgba(${r}, ${g}, ${b}, ${alpha})` }), stroke: new Stroke({ color: `rgba(${r}, ${g}, ${b}, 0.8)`, width: 1 }) })]));
  return (feature) => styles[feature.get('level')] ?? styles.medium;
}

const roadStyle = new Style({ fill: new Fill({ color: '#ffffff' }), stroke: new Stroke({ color: '#b0b0b0', width: 0.5 }) });
const buildingStyle = new Style({ fill: new Fill({ color: 'rgba(90, 90, 100, 0.75)' }) });

const defaultStyle = new Style({ fill: new Fill({ color: 'rgba(120, 120, 120, 0.25)' }), stroke: new Stroke({ color: '#666666', width: 1 }) });

/** How the portal draws each layer; a layer the catalog publishes that has no style here is drawn plainly. */
const styles = {
  parcels: parcelStyle,
  roads: roadStyle,
  buildings: buildingStyle,
  'flood-zones': hazardStyle('flood-zones'),
  'landslide-zones': hazardStyle('landslide-zones'),
  'storm-surge-zones': hazardStyle('storm-surge-zones'),
};

/**
 * The layers of the map, bottom first, as the platform's one layer catalog publishes them (/tiles): id, title,
 * whether it is shown at start; the style is the portal's.
 */
export async function layerDefinitions() {
  const response = await fetch('/tiles');
  if (!response.ok) throw new Error(`The tile index: ${response.status}`);
  const index = await response.json();
  return index.layers.map((l) => ({ id: l.id, title: l.title, visible: l.shownAtStart, style: styles[l.id] ?? defaultStyle }));
}

/** A vector tile layer reading the tile URL template and zoom range from the layer's TileJSON. */
export async function vectorTileLayer(definition) {
  const response = await fetch(`/tiles/${definition.id}.json`);
  if (!response.ok) throw new Error(`TileJSON of ${definition.id}: ${response.status}`);
  const tilejson = await response.json();
  const layer = new VectorTileLayer({
    source: new VectorTileSource({
      format: new MVT(),
      url: tilejson.tiles[0],
      minZoom: tilejson.minzoom,
      maxZoom: 16,
    }),
    style: definition.style,
    visible: definition.visible,
    declutter: false,
    renderMode: 'hybrid',
    minZoom: Math.max(tilejson.minzoom - 0.5, 0),
  });
  layer.set('id', definition.id);
  layer.set('title', definition.title);
  return { layer, tilejson };
}
