// Form and table pieces every page uses. A control's `name` is the API field it sets, so an error
// naming a field (`department.email`, `conditions.0.value`) lands on the control that caused it.

import { h } from '../shared/dom.js';

const CONFIRM_MS = 4000; // a second click within this time confirms a deletion
const SAVED_NOTE_MS = 4000; // how long "Saved." stays beside the button

let controls = 0; // ids tying labels and hints to their controls

function controlId(el) {
  if (!el.id) {
    controls += 1;
    el.id = `control-${controls}`;
  }
  return el.id;
}

function hintFor(control, hint) {
  if (!hint) return null;
  const el = h('small', { class: 'hint', id: `${controlId(control)}-hint` }, hint);
  control.setAttribute('aria-describedby', el.id);
  return el;
}

/** A labelled control; `control` may be a group whose first input is the one labelled. */
export function field(label, control, hint) {
  const target = control.matches('input, select, textarea') ? control
    : control.querySelector('input:not([type=color]), select, textarea');
  return h('div', { class: 'field' }, h('label', { class: 'field-label', for: controlId(target) }, label), control,
    hintFor(target, hint));
}

export function text(name, value, attrs = {}) {
  return h('input', { name, value: value ?? '', autocomplete: 'off', ...attrs });
}

export function number(name, value, attrs = {}) {
  return h('input', { name, type: 'number', inputmode: 'numeric', min: 0, step: 1, value: value ?? 0, ...attrs });
}

export function area(name, value, attrs = {}) {
  const el = h('textarea', { name, rows: 3, ...attrs });
  el.value = value ?? '';
  return el;
}

export function check(name, checked, label, hint) {
  const input = h('input', { name, type: 'checkbox', checked: !!checked, defaultChecked: !!checked });
  return h('div', { class: 'check' }, input, h('label', { for: controlId(input) }, label), hintFor(input, hint));
}

/** options: [[value, label], ...] */
export function choice(name, options, selected, attrs = {}) {
  const el = h('select', { name, ...attrs },
    options.map(([value, label]) => h('option', { value }, label)));
  el.value = selected ?? options[0]?.[0] ?? '';
  return el;
}

export function intValue(input) {
  const value = Number(input.value);
  return Number.isInteger(value) ? value : input.value; // the server names a non-integer
}

/** A form with its error line and status line; `onSubmit(form)` runs inside `saving`. */
export function form(attrs, onSubmit, ...children) {
  const el = h('form', { novalidate: true, ...attrs }, children,
    h('p', { class: 'form-error', role: 'alert' }),
    h('p', { class: 'form-status', role: 'status' }));
  el.addEventListener('submit', (e) => {
    e.preventDefault();
    saving(el, () => onSubmit(el));
  });
  return el;
}

export function actions(...buttons) {
  return h('div', { class: 'actions' }, buttons);
}

export function submit(label) {
  return h('button', { type: 'submit', class: 'primary' }, label);
}

export function button(label, onclick, cls = 'secondary') {
  return h('button', { type: 'button', class: cls, onclick }, label);
}

export function errorText(err) {
  const body = (err && err.body) || {};
  return body.error || (err && err.message) || 'Something went wrong.';
}

function clearErrors(el) {
  for (const bad of el.querySelectorAll('[aria-invalid="true"]')) bad.removeAttribute('aria-invalid');
  const line = el.querySelector('.form-error');
  if (line) line.textContent = '';
}

/** Show an API error in the form, on the control it names when there is one. */
export function showError(el, err) {
  const line = el.querySelector(':scope > .form-error') || el.querySelector('.form-error');
  const fieldName = err && err.body && err.body.field;
  const control = fieldName ? el.querySelector(`[name="${CSS.escape(fieldName)}"]`) : null;
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.focus();
  }
  if (line) line.textContent = errorText(err);
}

export function note(el, message) {
  const line = el.querySelector(':scope > .form-status') || el.querySelector('.form-status');
  if (!line) return;
  line.textContent = message;
  clearTimeout(line.timer);
  line.timer = setTimeout(() => { line.textContent = ''; }, SAVED_NOTE_MS);
}

/** Run `work` with the form's buttons disabled; "Saved." or the error afterwards. */
export async function saving(el, work, done = 'Saved.') {
  const buttons = [...el.querySelectorAll('button')];
  buttons.forEach((b) => { b.disabled = true; });
  clearErrors(el);
  try {
    const message = await work();
    note(el, typeof message === 'string' ? message : done);
    return true;
  } catch (err) {
    showError(el, err);
    return false;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

/** A delete button that asks for a second click instead of a dialog. */
export function confirmButton(label, onConfirm, name = '') {
  const named = name ? `${label} ${name}` : label;
  const el = h('button', { type: 'button', class: 'secondary danger', 'aria-label': named }, label);
  let armed = null;
  const disarm = () => {
    clearTimeout(armed);
    armed = null;
    el.textContent = label;
    el.setAttribute('aria-label', named);
  };
  el.addEventListener('click', async () => {
    if (!armed) {
      el.textContent = 'Click again to confirm';
      el.setAttribute('aria-label', `Click again to confirm: ${named}`);
      armed = setTimeout(disarm, CONFIRM_MS);
      return;
    }
    disarm();
    el.disabled = true;
    try {
      await onConfirm();
    } finally {
      el.disabled = false;
    }
  });
  return el;
}

/** columns: [[header, (row) => cell content], ...] */
export function table(columns, rows, { empty = 'Nothing here yet.', caption, rowAttrs } = {}) {
  const body = rows.length
    ? rows.map((row) => h('tr', rowAttrs ? rowAttrs(row) : {}, columns.map(([, cell]) => h('td', {}, cell(row)))))
    : h('tr', { class: 'empty-row' }, h('td', { colspan: columns.length }, empty));
  return h('table', { class: 'grid' }, caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map(([header]) => h('th', { scope: 'col' }, header)))),
    h('tbody', {}, body));
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, children);
}

export function badge(label, kind = '') {
  return h('span', { class: `badge ${kind}` }, label);
}

export function yesNo(value) {
  return value ? 'Yes' : 'No';
}

export function when(iso) {
  const date = new Date(iso);
  return iso && !Number.isNaN(date.getTime()) ? date.toLocaleString() : '';
}
