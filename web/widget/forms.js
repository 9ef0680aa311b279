// The pre-chat registration form and the offline message form.

import { h } from '../shared/dom.js';

function field(label, control) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control);
}

function departmentSelect(departments, name) {
  return h('select', { name, required: true },
    h('option', { value: '' }, 'Choose a department'),
    departments.map((d) => h('option', { value: d._id }, d.name)));
}

/** A department is asked for only when the visitor has a real choice. */
export function departmentChoice(departments, flag) {
  return departments.filter((d) => d[flag]);
}

function customFieldControl(cf, value) {
  const name = `cf:${cf._id}`;
  const options = Array.isArray(cf.options) ? cf.options
    : String(cf.options || '').split(',').map((o) => o.trim()).filter(Boolean);
  if (cf.type === 'select' && options.length) {
    return h('select', { name, required: !!cf.required },
      h('option', { value: '' }, ''), options.map((o) => h('option', { value: o, selected: o === value }, o)));
  }
  return h('input', { name, type: 'text', required: !!cf.required, value: value || cf.defaultValue || '' });
}

function customFieldErrors(fields, form) {
  for (const cf of fields) {
    const value = form.elements[`cf:${cf._id}`].value.trim();
    if (value && cf.regexp) {
      let pattern = null;
      try {
        pattern = new RegExp(cf.regexp);
      } catch {
        pattern = null;
      }
      if (pattern && !pattern.test(value)) return `${cf.label || cf._id} is not valid`;
    }
  }
  return '';
}

function submitting(form, button, errorLine, work) {
  return async (e) => {
    e.preventDefault();
    errorLine.textContent = '';
    button.disabled = true;
    try {
      await work();
    } catch (err) {
      errorLine.textContent = err.message || 'Something went wrong, please try again.';
    } finally {
      button.disabled = false;
    }
  };
}

/**
 * The pre-chat form: name, email, public custom fields and, when more than one department is
 * shown on registration (and the host page fixed none), the department.
 */
export function registrationForm({ config, prefill = {}, fixedDepartment = '', onSubmit }) {
  const s = config.settings || {};
  const offered = departmentChoice(config.departments || [], 'showOnRegistration');
  const askDepartment = !fixedDepartment && offered.length > 1;
  const customFields = (config.customFields || []).filter((cf) => cf.visibility !== 'hidden');
  const errorLine = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Start chat');
  const form = h('form', { class: 'form registration', novalidate: false },
    config.messages && config.messages.registrationFormMessage
      ? h('p', { class: 'form-intro' }, config.messages.registrationFormMessage) : null,
    s.nameFieldRegistrationForm !== false
      ? field('Name', h('input', { name: 'name', autocomplete: 'name', required: true, value: prefill.name || '' }))
      : null,
    s.emailFieldRegistrationForm !== false
      ? field('Email', h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true,
        value: prefill.email || '' }))
      : null,
    askDepartment ? field('Department', departmentSelect(offered, 'department')) : null,
    customFields.map((cf) => field(cf.label || cf._id, customFieldControl(cf, (prefill.custom || {})[cf._id]))),
    errorLine, button);
  form.addEventListener('submit', submitting(form, button, errorLine, async () => {
    const problem = customFieldErrors(customFields, form);
    if (problem) throw new Error(problem);
    const el = form.elements;
    let department = fixedDepartment;
    if (askDepartment) department = el.department.value;
    else if (!department && offered.length === 1) department = offered[0]._id;
    await onSubmit({
      name: el.name ? el.name.value.trim() : prefill.name || '',
      email: el.email ? el.email.value.trim() : prefill.email || '',
      department,
      customFields: customFields
        .map((cf) => ({ key: cf._id, value: el[`cf:${cf._id}`].value.trim(), overwrite: true }))
        .filter((f) => f.value !== ''),
    });
  }));
  return form;
}

/** The form shown while nobody is online; `onSubmit` resolves once the message is stored. */
export function offlineForm({ config, prefill = {}, onSubmit }) {
  const m = config.messages || {};
  const offered = departmentChoice(config.departments || [], 'showOnOfflineForm');
  const errorLine = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const form = h('form', { class: 'form offline' },
    h('p', { class: 'form-intro' }, m.offlineMessage || 'We are offline. Leave a message.'),
    field('Name', h('input', { name: 'name', autocomplete: 'name', required: true, value: prefill.name || '' })),
    field('Email', h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true,
      value: prefill.email || '' })),
    offered.length > 1 ? field('Department', departmentSelect(offered, 'department')) : null,
    field('Message', h('textarea', { name: 'message', rows: 4, required: true })),
    errorLine, button);
  form.addEventListener('submit', submitting(form, button, errorLine, async () => {
    const el = form.elements;
    const values = { name: el.name.value.trim(), email: el.email.value.trim(), message: el.message.value.trim() };
    if (el.department && el.department.value) values.department = el.department.value;
    else if (offered.length === 1) values.department = offered[0]._id;
    await onSubmit(values);
    form.replaceWith(h('div', { class: 'notice success', role: 'status' },
      m.offlineSuccessMessage || 'Thanks! We will get back to you soon.'));
  }));
  return form;
}

export function unavailableNotice(config) {
  const m = config.messages || {};
  return h('div', { class: 'notice' }, m.offlineUnavailableMessage || 'Sorry, nobody is available right now.');
}
