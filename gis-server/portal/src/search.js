import { explain } from './api.js';
// The search box: UPI prefixes and parts of addresses, through /api/parcels?q=.
export function wireSearch(form, list, onChoose) {
  const input = form.querySelector('input');

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text.length < 2) return;
    let response;
    try {
      response = await fetch(`/api/parcels?q=${encodeURIComponent(text)}&limit=10`);
    } catch {
      list.replaceChildren(item('The platform could not be reached. Check your connection and try again.', 'empty'));
      list.hidden = false;
      return;
    }
    list.replaceChildren();
    list.hidden = false;
    if (!response.ok) {
      list.append(item((await explain(response)).message, 'empty'));
      return;
    }
    const { features } = await response.json();
    if (features.length === 0) {
      list.append(item('No parcel matches.', 'empty'));
      return;
    }
    // A UPI typed in full goes straight to its parcel.
    const exact = features.find((f) => f.properties.upi === text.toUpperCase());
    if (exact || features.length === 1) {
      list.hidden = true;
      onChoose((exact ?? features[0]).properties.upi);
      return;
    }
    for (const feature of features) {
      const entry = item(`${feature.properties.upi} — ${feature.properties.address ?? feature.properties.landUse}`);
      entry.setAttribute('role', 'option');
      entry.tabIndex = 0;
      const choose = () => {
        list.hidden = true;
        onChoose(feature.properties.upi);
      };
      entry.addEventListener('click', choose);
      entry.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); choose(); } });
      list.append(entry);
    }
  });

  document.addEventListener('click', (event) => {
    if (!form.contains(event.target)) list.hidden = true;
  });
}

function item(text, className) {
  const li = document.createElement('li');
  li.textContent = text;
  if (className) li.className = className;
  return li;
}
