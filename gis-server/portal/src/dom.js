// Small helpers to build the page's elements (text always as text, never as HTML).

/** el('p', { class: 'hint' }, 'text', child) */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export const alert = (text) => el('p', { class: 'alert', role: 'alert' }, text);
export const notice = (text) => el('p', { class: 'notice', role: 'status' }, text);

/** A labelled form field: label + input/select/textarea with the same id. */
export function field(id, labelText, control) {
  control.id = id;
  if (!control.name) control.name = id;
  return [el('label', { for: id }, labelText), control];
}

/** A table with a header row and one row per item. `columns` = [[heading, item => text or node]]. */
export function table(caption, columns, items, rowClass) {
  return el('table', {},
    el('caption', { class: 'visually-hidden' }, caption),
    el('thead', {}, el('tr', {}, columns.map(([heading]) => el('th', { scope: 'col' }, heading)))),
    el('tbody', {}, items.map((item) => el('tr', { class: rowClass?.(item) }, columns.map(([, cell]) => el('td', {}, cell(item)))))));
}

/** A definition list of [term, value] pairs, skipping empty values. */
export function facts(pairs) {
  const list = el('dl', { class: 'facts' });
  for (const [term, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    list.append(el('dt', {}, term), el('dd', {}, value));
  }
  return list;
}

export const day = (value) => (value ? new Date(value).toISOString().slice(0, 10) : '');
export const moment = (value) => (value ? new Date(value).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '');
export const money = (amount, currency = 'XCD') => (amount === null || amount === undefined ? '' : `${Number(amount).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`);

/** Runs an action from a button or form, showing progress and the error in words inside `status`. */
export async function attempt(status, action, busyText = 'Working…') {
  status.replaceChildren(el('p', { class: 'hint', role: 'status' }, busyText));
  try {
    const result = await action();
    status.replaceChildren();
    return result;
  } catch (error) {
    const { wordsFor } = await import('./api.js');
    status.replaceChildren(alert(wordsFor(error)));
    return undefined;
  }
}

const hazardNames = { flood_coastal: 'Coastal flooding', flood_river: 'River flooding', landslide: 'Landslide', storm_surge: 'Storm surge' };

/** A hazard zone in words: "River flooding, medium risk" (unknown codes shown with their underscores and dashes as spaces). */
export function hazardWords(hazard, level) {
  const name = hazardNames[hazard] ?? String(hazard).replace(/-zones?$/, '').replace(/[-_]/g, ' ');
  return level ? `${name}, ${level} risk` : name;
}
