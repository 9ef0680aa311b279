// Where a JSON path such as `$.rules[2].when.all[0].value` sits in JSON text, so an error can be
// shown on the text that caused it. Only for text JSON.parse accepted.

const STEP = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]/y;

/** `$.rules[2]['my key']` -> ['rules', 2, 'my key'], or null when it is not such a path. */
function parsePath(path) {
  if (!path.startsWith('$')) return null;
  const steps = [];
  STEP.lastIndex = 1;
  while (STEP.lastIndex < path.length) {
    const at = STEP.lastIndex;
    const m = STEP.exec(path);
    if (!m || m.index !== at) return null;
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined) steps.push(Number(m[2]));
    else steps.push(m[3].slice(1, -1).replace(/\\(.)/g, '$1'));
  }
  return steps;
}

function skipSpace(s, i) {
  while (i < s.length && ' \t\r\n'.includes(s[i])) i += 1;
  return i;
}

function stringEnd(s, i) {
  for (let j = i + 1; j < s.length; j += 1) {
    if (s[j] === '\\') j += 1;
    else if (s[j] === '"') return j + 1;
  }
  return s.length;
}

/** The end of the value starting at `i`. */
function valueEnd(s, i) {
  if (s[i] === '"') return stringEnd(s, i);
  if (s[i] === '{' || s[i] === '[') {
    let depth = 0;
    for (let j = i; j < s.length; j += 1) {
      if (s[j] === '"') j = stringEnd(s, j) - 1;
      else if (s[j] === '{' || s[j] === '[') depth += 1;
      else if (s[j] === '}' || s[j] === ']') {
        depth -= 1;
        if (depth === 0) return j + 1;
      }
    }
    return s.length;
  }
  let j = i;
  while (j < s.length && !',}] \t\r\n'.includes(s[j])) j += 1;
  return j;
}

/** The value under `step` in the object or array starting at `i`: its start, or -1. */
function child(s, i, step) {
  const open = s[i];
  let j = skipSpace(s, i + 1);
  for (let index = 0; j < s.length && s[j] !== '}' && s[j] !== ']'; index += 1) {
    let key = index;
    if (open === '{') {
      const end = stringEnd(s, j);
      key = JSON.parse(s.slice(j, end));
      j = skipSpace(s, skipSpace(s, end) + 1); // past the colon
    } else if (open !== '[') {
      return -1;
    }
    if (key === step) return j;
    j = skipSpace(s, valueEnd(s, j));
    if (s[j] === ',') j = skipSpace(s, j + 1);
  }
  return -1;
}

/** {start, end} of the text at `path` (the deepest part that exists), or null. */
export function locate(textValue, path) {
  const steps = parsePath(path);
  if (!steps) return null;
  let start = skipSpace(textValue, 0);
  for (const step of steps) {
    const next = child(textValue, start, step);
    if (next < 0) break;
    start = next;
  }
  return { start, end: valueEnd(textValue, start) };
}

/** 1-based line and column of an offset. */
export function lineOf(textValue, offset) {
  const before = textValue.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

const PRIMITIVE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/** Where JSON text first goes wrong, as {offset, message}; null for valid JSON. (Browsers' own
 * JSON.parse messages do not always say where.) */
export function syntaxError(s) {
  let i = 0;
  const fail = (message) => { throw Object.assign(new SyntaxError(message), { offset: i }); };
  const space = () => { while (i < s.length && ' \t\r\n'.includes(s[i])) i += 1; };
  const string = () => {
    for (i += 1; i < s.length && s[i] !== '"'; i += 1) {
      if (s[i] === '\\') i += 1;
      else if (s[i] < ' ') fail('a control character inside a string');
    }
    if (i >= s.length) fail('a string that never ends');
    i += 1;
  };
  const items = (close, item) => {
    i += 1;
    space();
    if (s[i] === close) { i += 1; return; }
    for (;;) {
      item();
      space();
      if (s[i] === close) { i += 1; return; }
      if (s[i] !== ',') fail(`expected ',' or '${close}'`);
      i += 1;
    }
  };
  const value = () => {
    space();
    if (s[i] === '{') {
      items('}', () => {
        space();
        if (s[i] !== '"') fail('expected a "key" in double quotes');
        string();
        space();
        if (s[i] !== ':') fail("expected ':' after the key");
        i += 1;
        value();
      });
    } else if (s[i] === '[') {
      items(']', value);
    } else if (s[i] === '"') {
      string();
    } else {
      PRIMITIVE.lastIndex = i;
      const m = PRIMITIVE.exec(s);
      if (!m) fail(i >= s.length ? 'the text ends too early' : `unexpected ${JSON.stringify(s[i])}`);
      i += m[0].length;
    }
  };
  try {
    value();
    space();
    if (i < s.length) fail('more text after the end of the JSON value');
    return null;
  } catch (err) {
    if (typeof err.offset === 'number') return { offset: err.offset, message: err.message };
    throw err;
  }
}
