// Rules: each rule set as JSON, checked by the server (errors shown at their JSON path, nothing saved
// while any remains), saved, reverted to its rule file, and dry-run against sample events.

import { fill, h } from '../../shared/dom.js';
import { lineOf, locate, syntaxError } from '../jsonpath.js';
import {
  actions, area, button, card, choice, confirmButton, errorText, field, note,
} from '../ui.js';

const SAMPLES = {
  triggers: [{ event: { type: 'page_viewed', url: 'https://shop.example.com/pricing' },
    visitor: { time_on_site: 12, registered: false } }],
  routing: [{ event: { type: 'chat_requested' }, chat: { department: '' } },
    { event: { type: 'chat_requested' }, chat: { department: 'sales' } }],
  lifecycle: [{ event: { type: 'chat_closed' }, chat: { status: 'closed' } }],
};

function sampleText(name) {
  return (SAMPLES[name] || [{ event: { type: 'page_viewed', url: 'https://example.com/' } }])
    .map((e) => JSON.stringify(e)).join('\n');
}

/** The editor's text as a document, or a list of errors in the server's shape. */
function parse(textValue) {
  try {
    return { doc: JSON.parse(textValue) };
  } catch (err) {
    const found = syntaxError(textValue);
    if (!found) return { errors: [{ path: '$', message: `not valid JSON: ${err.message}` }] };
    const { line, column } = lineOf(textValue, found.offset);
    return { errors: [{ path: '$', message: `not valid JSON (line ${line}, column ${column}): ${found.message}`,
      offset: found.offset }] };
  }
}

/** Sample events: a JSON array, or one JSON object per line as `livechat rules test` reads them. */
function parseEvents(textValue) {
  const trimmed = textValue.trim();
  if (!trimmed) return [];
  if (trimmed.startsWith('[')) return JSON.parse(trimmed);
  return trimmed.split('\n').filter((line) => line.trim()).map((line, i) => {
    try {
      return JSON.parse(line);
    } catch (err) {
      throw new Error(`Sample event on line ${i + 1} is not valid JSON: ${err.message}`);
    }
  });
}

class RuleEditor {
  constructor(rest, ruleset, onChange) {
    this.rest = rest;
    this.ruleset = ruleset;
    this.onChange = onChange;
    this.editor = area('document', JSON.stringify(ruleset.document, null, 2),
      { rows: 24, spellcheck: 'false', class: 'code', id: 'rule-editor' });
    this.errors = h('div', { id: 'rule-errors', role: 'alert' });
    this.status = h('p', { class: 'form-status', role: 'status' });
    this.events = area('events', sampleText(ruleset.name), { rows: 4, spellcheck: 'false', class: 'code',
      id: 'sample-events' });
    this.results = h('div', { id: 'dry-run-results', 'aria-live': 'polite' });
  }

  element() {
    const { name, source, generated } = this.ruleset;
    this.el = h('div', {}, [
      h('p', { class: 'hint' }, source === 'stored'
        ? `In force: the version saved here (it replaces rules/${name}.json).`
        : `In force: the rule file rules/${name}.json.`),
      field(`Rule set "${name}" (JSON)`, this.editor),
      this.errors,
      actions(button('Check', () => this.check()), button('Save', () => this.save(), 'primary'),
        source === 'stored' ? confirmButton('Revert to the rule file', () => this.revert()) : null),
      this.status,
      generated && generated.length ? h('details', { class: 'generated' },
        h('summary', {}, `${generated.length} rules generated from the triggers (read-only)`),
        h('pre', { class: 'code' }, JSON.stringify(generated, null, 2))) : null,
      h('h3', {}, 'Dry run'),
      field('Sample events (one facts object per line, or a JSON array)', this.events,
        'Each needs event.type; add visitor.*, chat.*, department.*, agent.*, settings.* facts as the rules test them.'),
      actions(button('Dry run', () => this.dryRun())),
      this.results,
    ]);
    return this.el;
  }

  /** Scroll the editor so that `offset` is in view, without moving the focus. */
  reveal(offset) {
    const lineHeight = parseFloat(getComputedStyle(this.editor).lineHeight) || 18;
    this.editor.scrollTop = Math.max(0, (lineOf(this.editor.value, offset).line - 4) * lineHeight);
  }

  showErrors(errors) {
    const text = this.editor.value;
    fill(this.errors, errors.length ? h('ul', { class: 'errors' }, errors.map((e) => {
      const spot = e.offset !== undefined && e.offset !== null ? { start: e.offset, end: e.offset + 1 }
        : locate(text, e.path);
      const where = spot ? ` (line ${lineOf(text, spot.start).line})` : '';
      const jump = h('button', { type: 'button', class: 'link path' }, `${e.path}${where}`);
      jump.addEventListener('click', () => {
        this.editor.focus();
        if (spot) {
          this.editor.setSelectionRange(spot.start, spot.end);
          this.reveal(spot.start);
        }
      });
      if (spot && e === errors[0]) this.reveal(spot.start);
      return h('li', { class: 'rule-error' }, jump, ': ', e.message);
    })) : null);
  }

  /** The document, or null after showing why it is not one. */
  documentOrNull() {
    const parsed = parse(this.editor.value);
    this.showErrors(parsed.errors || []);
    return parsed.errors ? null : parsed.doc;
  }

  async send(work) {
    try {
      return await work();
    } catch (err) {
      const errors = err.body && err.body.errors;
      if (errors) this.showErrors(errors);
      else this.showErrors([{ path: err.body && err.body.field ? err.body.field : '$', message: errorText(err) }]);
      return null;
    }
  }

  async check() {
    const doc = this.documentOrNull();
    if (doc === null) return;
    const answer = await this.send(() => this.rest.post(`livechat/rules/${this.ruleset.name}/dry-run`,
      { document: doc, events: [] }));
    if (answer) note(this.el, `Valid: ${answer.rules} rule${answer.rules === 1 ? "" : "s"}. Not saved yet.`);
  }

  async save() {
    const doc = this.documentOrNull();
    if (doc === null) return;
    const answer = await this.send(() => this.rest.put(`livechat/rules/${this.ruleset.name}`, doc));
    if (answer) await this.onChange(this.ruleset.name, 'Saved: in force now.');
  }

  async revert() {
    const answer = await this.send(() => this.rest.delete(`livechat/rules/${this.ruleset.name}`));
    if (answer) await this.onChange(this.ruleset.name, 'Reverted to the rule file.');
  }

  async dryRun() {
    const doc = this.documentOrNull();
    if (doc === null) return;
    let events;
    try {
      events = parseEvents(this.events.value);
    } catch (err) {
      fill(this.results, h('p', { class: 'form-error', role: 'alert' }, err.message));
      return;
    }
    const answer = await this.send(() => this.rest.post(`livechat/rules/${this.ruleset.name}/dry-run`,
      { document: doc, events }));
    if (!answer) return;
    fill(this.results, h('ol', { class: 'dry-run' }, answer.results.map((r) => h('li', { class: 'dry-run-event' },
      h('strong', {}, r.type || 'not an event'), r.knownType === false ? ' (not an event type: no rule can fire)' : '',
      r.error ? h('p', { class: 'form-error' }, r.error) : null,
      r.fired.length ? h('ul', {}, r.fired.map((m) => h('li', { class: 'fired' },
        h('code', { class: 'rule-id' }, m.rule), ' → ', h('code', {}, JSON.stringify(m.actions)))))
        : h('p', { class: 'hint' }, 'No rule fires.')))));
  }
}

export default {
  id: 'rules',
  title: 'Rules',
  async render({ rest, current }) {
    const slot = h('div', { id: 'ruleset' });
    const picker = h('div');
    let chosen = null;

    async function load(name, message) {
      const { rulesets } = await rest.get('livechat/rules');
      if (!current()) return;
      chosen = rulesets.find((r) => r.name === name) || rulesets[0];
      const select = choice('ruleset', rulesets.map((r) => [r.name, `${r.name}${r.source === 'stored' ? ' (edited)' : ''}`]),
        chosen.name, { id: 'ruleset-select' });
      select.addEventListener('change', () => load(select.value));
      fill(picker, field('Rule set', select));
      const editor = new RuleEditor(rest, chosen, load);
      fill(slot, editor.element());
      if (message) note(editor.el, message);
    }

    await load(null);
    return card(null, h('p', { class: 'hint' }, 'Rules decide routing, the chat lifecycle and triggers. ',
      'An invalid rule set is never saved: the one in force keeps working.'), picker, slot);
  },
};
