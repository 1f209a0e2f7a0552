/**
 * Protobuf text format (what Triton's config.pbtxt is written in), read and checked against a
 * schema (model-config-schema.ts): `field: value`, `field { ... }`, `field: [v, v]`, `#` comments.
 * Checks what protobuf's own text parser checks for these messages: unknown fields, a scalar
 * where a message belongs and the reverse, enum value names, integer ranges, a non-repeated
 * field given twice.
 */
import { InputError } from '../../core/errors';
import { ENUMS, MESSAGES, type FieldSpec } from './model-config-schema';

/** A parsed value: scalars as written (strings unquoted), messages as field maps. */
export type PbValue = string | number | boolean | PbMessage;
/** A parsed message: each field's values (one for a non-repeated field). */
export interface PbMessage {
  readonly [field: string]: readonly PbValue[];
}

interface Token {
  readonly kind: 'ident' | 'number' | 'string' | 'punct';
  readonly text: string;
  readonly line: number;
}

function tokenize(text: string, source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const fail = (what: string): never => {
    throw new InputError('BAD_DATA', `${source}: line ${line}: ${what}`);
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else if ('{}[]:,;<>'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, line });
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\n') fail('string not closed on its line');
        if (text[j] === '\\') {
          value += text[j + 1] ?? '';
          j += 2;
        } else value += text[j++];
      }
      if (j >= text.length) fail('string not closed');
      tokens.push({ kind: 'string', text: value, line });
      i = j + 1;
    } else if (/[-+0-9.]/.test(c)) {
      const m = /^[-+]?(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?)/.exec(text.slice(i));
      if (!m) fail(`unexpected "${c}"`);
      tokens.push({ kind: 'number', text: m![0], line });
      i += m![0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0], line });
      i += m[0].length;
    } else fail(`unexpected "${c}"`);
  }
  return tokens;
}

const INT_RANGE = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int64: [-(2 ** 63), 2 ** 63 - 1],
} as const;

/**
 * Parses `text` as a `root` message (default Triton's ModelConfig) and checks it against the schema.
 * @throws InputError BAD_DATA naming the source, the line and what is wrong
 */
// eslint-disable-next-line max-lines-per-function -- recursive-descent parser: its small rules share the token cursor `p` by closure
export function parseModelConfig(text: string, source = 'config.pbtxt', root = 'ModelConfig'): PbMessage {
  const tokens = tokenize(text, source);
  let p = 0;
  const fail = (what: string, at = tokens[Math.min(p, tokens.length - 1)]): never => {
    throw new InputError('BAD_DATA', `${source}: line ${at?.line ?? 1}: ${what}`);
  };
  const peek = () => tokens[p];
  const take = (punct?: string): Token => {
    const t = tokens[p];
    if (!t) fail('unexpected end of file');
    if (punct !== undefined && (t.kind !== 'punct' || t.text !== punct))
      fail(`expected "${punct}", found "${t.text}"`);
    p++;
    return t;
  };

  const scalarValue = (field: string, spec: FieldSpec, where: string): PbValue => {
    const t = take();
    const type = spec.type;
    if (type.kind === 'message') return fail(`${where}.${field} is a message; expected "{"`, t);
    if (type.kind === 'string') {
      if (t.kind !== 'string') fail(`${where}.${field} expects a quoted string, found ${t.text}`, t);
      return t.text;
    }
    if (type.kind === 'bool') {
      if (t.kind !== 'ident' || !['true', 'false'].includes(t.text))
        fail(`${where}.${field} expects true or false, found ${t.text}`, t);
      return t.text === 'true';
    }
    if (type.kind === 'enum') {
      const names = ENUMS[type.name];
      if (t.kind === 'ident' && names.includes(t.text)) return t.text;
      if (t.kind === 'number' && Number.isInteger(Number(t.text)) && names[Number(t.text)] !== undefined)
        return names[Number(t.text)];
      return fail(`${where}.${field}: "${t.text}" is not a ${type.name} (${names.join(', ')})`, t);
    }
    const n = Number(t.text);
    const [lo, hi] = INT_RANGE[type.kind];
    if (t.kind !== 'number' || !Number.isInteger(n) || n < lo || n > hi)
      fail(`${where}.${field} expects an ${type.kind}, found ${t.text}`, t);
    return n;
  };

  const messageBody = (name: string, where: string, close: string | undefined): PbMessage => {
    const fields = MESSAGES[name];
    const out: Record<string, PbValue[]> = {};
    for (;;) {
      const t = peek();
      if (!t) {
        if (close !== undefined) fail(`${where}: "${close}" missing at the end of the file`);
        return out;
      }
      if (t.kind === 'punct' && t.text === close) {
        p++;
        return out;
      }
      const nameTok = take();
      if (nameTok.kind !== 'ident')
        fail(`expected a field name in ${where}, found "${nameTok.text}"`, nameTok);
      const spec = fields[nameTok.text];
      if (!spec) fail(`${where} has no field "${nameTok.text}"`, nameTok);
      const values = (out[nameTok.text] ??= []);
      const one = (): PbValue => {
        if (spec.type.kind === 'message') {
          const open = take();
          if (open.kind !== 'punct' || (open.text !== '{' && open.text !== '<'))
            fail(`${where}.${nameTok.text} is a ${spec.type.name} message; expected "{"`, open);
          return messageBody(spec.type.name, `${where}.${nameTok.text}`, open.text === '{' ? '}' : '>');
        }
        return scalarValue(nameTok.text, spec, where);
      };
      const colon = peek()?.kind === 'punct' && peek().text === ':';
      if (colon) p++;
      else if (spec.type.kind !== 'message') fail(`expected ":" after ${where}.${nameTok.text}`);
      if (peek()?.kind === 'punct' && peek().text === '[') {
        p++;
        if (!spec.repeated) fail(`${where}.${nameTok.text} is not repeated; a list is not allowed`);
        while (!(peek()?.kind === 'punct' && peek().text === ']')) {
          values.push(one());
          if (peek()?.kind === 'punct' && peek().text === ',') p++;
          else if (!(peek()?.kind === 'punct' && peek().text === ']'))
            fail(`expected "," or "]" in ${where}.${nameTok.text}`);
        }
        p++;
      } else {
        values.push(one());
      }
      if (!spec.repeated && values.length > 1)
        fail(`${where}.${nameTok.text} is given more than once`, nameTok);
      if (peek()?.kind === 'punct' && (peek().text === ',' || peek().text === ';')) p++;
    }
  };
  if (!MESSAGES[root])
    throw new InputError('BAD_OPTION', `parseModelConfig: no message ${root} in the schema`);
  return messageBody(root, root, undefined);
}
