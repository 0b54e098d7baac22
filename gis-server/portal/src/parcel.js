import { explain } from './api.js';
// The parcel panel: the public attributes of one parcel, from /api/parcels/{upi}.
const labels = [
  ['upi', 'UPI'],
  ['status', 'Status'],
  ['landUse', 'Land use'],
  ['address', 'Address'],
  ['districtName', 'District'],
  ['block', 'Block'],
  ['officialArea', 'Official area (m²)'],
  ['version', 'Version'],
  ['validFrom', 'In force since'],
];

/** Fetches a parcel as GeoJSON in Web Mercator; null when there is none. */
export async function fetchParcel(upi) {
  const response = await fetch(`/api/parcels/${encodeURIComponent(upi)}?crs=EPSG:3857`);
  if (response.status === 404) return null;
  if (!response.ok) throw await explain(response);
  return response.json();
}

/** Shows a parcel's public attributes in the panel (or a hint when there is none). */
export function showParcel(panel, feature, problemText) {
  panel.replaceChildren();
  const heading = document.createElement('h2');
  heading.textContent = feature ? `Parcel ${feature.properties.upi}` : 'Parcel';
  panel.append(heading);
  if (!feature) {
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.className = problemText ? 'alert' : 'hint';
    hint.textContent = problemText ?? 'No parcel here. Click a parcel or search for one.';
    panel.append(hint);
    return;
  }
  const list = document.createElement('dl');
  for (const [key, label] of labels) {
    const value = feature.properties[key];
    if (value === undefined || value === null || value === '') continue;
    const term = document.createElement('dt');
    term.textContent = label;
    const detail = document.createElement('dd');
    detail.dataset.field = key;
    detail.textContent = key === 'validFrom' ? new Date(value).toISOString().slice(0, 10)
      : key === 'officialArea' ? Number(value).toLocaleString('en') : String(value);
    list.append(term, detail);
  }
  panel.append(list);
}
