// PayBox speaks small, flat XML: the gateway's API answers `<response>…</response>` and a
// merchant answers result_url/check_url callbacks the same way. Both are signed with pg_sig
// over the child elements. The documents are simple enough that a strict little reader is
// safer than a general XML library (no DTDs, no entities beyond the five predefined + numeric).
import { dataObject, isUnsafeKey } from '@atrium/sdk';
import {
  generateSalt,
  signPaybox,
  verifyPaybox,
  type PayboxFields,
  type PayboxSignatureResult,
  type PayboxValue,
} from './paybox.signature.ts';

export class PayboxXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayboxXmlError';
  }
}

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function unescapeText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e]!;
  });
}

function writeElement(name: string, value: PayboxValue, out: string[]): void {
  if (Array.isArray(value)) {
    // Repeated names: `<item>a</item><item>b</item>`.
    for (const v of value) writeElement(name, v, out);
  } else if (typeof value === 'object') {
    out.push(`<${name}>`);
    for (const [k, v] of Object.entries(value)) writeElement(k, v, out);
    out.push(`</${name}>`);
  } else {
    const text = String(value);
    out.push(text === '' ? `<${name}/>` : `<${name}>${escapeText(text)}</${name}>`);
  }
}

export function buildPayboxXml(fields: PayboxFields, root = 'response'): string {
  const out = ['<?xml version="1.0" encoding="utf-8"?>'];
  writeElement(root, fields, out);
  return out.join('');
}

/** Parses `<root><a>1</a><b><c>2</c></b><a>3</a></root>` into `{ a: ['1','3'], b: { c: '2' } }`. */
export function parsePayboxXml(xml: string): { root: string; fields: PayboxFields } {
  let i = 0;
  const src = xml.replace(/^\uFEFF/, '');
  const skipMisc = () => {
    for (;;) {
      while (i < src.length && /\s/.test(src[i]!)) i++;
      if (src.startsWith('<?', i)) i = endOf('?>');
      else if (src.startsWith('<!--', i)) i = endOf('-->');
      else if (src.startsWith('<!', i)) throw new PayboxXmlError('DTDs are not accepted');
      else return;
    }
  };
  const endOf = (token: string) => {
    const j = src.indexOf(token, i);
    if (j < 0) throw new PayboxXmlError(`Unterminated ${token}`);
    return j + token.length;
  };
  const readElement = (): [string, PayboxValue] => {
    const open = /^<([A-Za-z_][\w.-]*)\s*(\/?)>/.exec(src.slice(i));
    if (!open) throw new PayboxXmlError(`Expected an element at ${i}`);
    i += open[0].length;
    const name = open[1]!;
    // element names become object keys: a gateway (or whoever answers in its place) cannot aim them at a prototype
    if (isUnsafeKey(name)) throw new PayboxXmlError(`Element name <${name}> is not allowed`);
    if (open[2] === '/') return [name, ''];
    let text = '';
    const children = dataObject<PayboxFields>();
    let hasChildren = false;
    for (;;) {
      if (i >= src.length) throw new PayboxXmlError(`Unclosed <${name}>`);
      if (src.startsWith('</', i)) {
        const close = new RegExp(`^</${name.replace(/[.]/g, '\\.')}\\s*>`).exec(src.slice(i));
        if (!close) throw new PayboxXmlError(`Mismatched closing tag inside <${name}>`);
        i += close[0].length;
        break;
      }
      if (src.startsWith('<![CDATA[', i)) {
        const j = src.indexOf(']]>', i);
        if (j < 0) throw new PayboxXmlError('Unterminated CDATA');
        text += src.slice(i + 9, j);
        i = j + 3;
      } else if (src.startsWith('<!--', i)) {
        i = endOf('-->');
      } else if (src[i] === '<') {
        hasChildren = true;
        const [k, v] = readElement();
        const existing = children[k];
        if (existing === undefined) children[k] = v;
        else if (Array.isArray(existing)) existing.push(v);
        else children[k] = [existing, v];
      } else {
        const j = src.indexOf('<', i);
        text += unescapeText(src.slice(i, j < 0 ? src.length : j));
        i = j < 0 ? src.length : j;
      }
    }
    if (hasChildren) {
      if (text.trim() !== '') throw new PayboxXmlError(`Mixed content in <${name}>`);
      return [name, children];
    }
    return [name, text];
  };
  skipMisc();
  const [root, value] = readElement();
  skipMisc();
  if (i !== src.length) throw new PayboxXmlError('Content after the root element');
  return { root, fields: typeof value === 'object' && !Array.isArray(value) ? value : dataObject<PayboxFields>() };
}

export type PayboxResponseStatus = 'ok' | 'rejected' | 'error';

/** Thrown when asked to reject a payment the gateway said cannot be rejected. */
export class PayboxRejectNotAllowedError extends Error {
  constructor() {
    super('pg_status "rejected" is only allowed when the callback had pg_can_reject=1');
    this.name = 'PayboxRejectNotAllowedError';
  }
}

export interface PayboxResponseOptions {
  /** The script name of OUR callback URL (e.g. `result` for https://shop/pay/result). */
  scriptName: string;
  secretKey: string;
  status: PayboxResponseStatus;
  description?: string;
  /** The callback's pg_can_reject: `rejected` is only meaningful (and allowed) when it is 1. */
  canReject: boolean | '1' | '0' | 1 | 0 | undefined;
  salt?: string;
}

/** The signed reply to a result_url/check_url callback, answered with HTTP 200. */
export function buildPayboxResponse(options: PayboxResponseOptions): string {
  const canReject = options.canReject === true || options.canReject === '1' || options.canReject === 1;
  if (options.status === 'rejected' && !canReject) throw new PayboxRejectNotAllowedError();
  const fields: PayboxFields = {
    pg_status: options.status,
    pg_description: options.description ?? '',
    pg_salt: options.salt ?? generateSalt(),
  };
  fields.pg_sig = signPaybox(options.scriptName, fields, options.secretKey);
  return buildPayboxXml(fields);
}

/** Parses a signed XML document and checks its pg_sig with the given script name. */
export function verifyPayboxXml(
  xml: string,
  scriptName: string,
  secretKeys: readonly string[],
): { fields: PayboxFields; signature: PayboxSignatureResult } {
  const { fields } = parsePayboxXml(xml);
  return { fields, signature: verifyPaybox(scriptName, fields, secretKeys) };
}
