import { IncomingMessage } from 'node:http';

const isProtoField = (field: string) => field.length === 9 && field.toLowerCase() === '__proto__';

/**
 * Node's request, minus a header named `__proto__`. Node folds header lines into a plain object
 * (`dest[field]`), which under `--disable-proto=throw` throws inside the HTTP parser — an uncaught
 * exception from one request — and without the flag silently drops the header. No client has a
 * reason to send it: the line is dropped before Node touches the object.
 */
export class SafeIncomingMessage extends IncomingMessage {
  _addHeaderLine(field: string, value: string, dest: Record<string, unknown>): void {
    if (!isProtoField(field)) (IncomingMessage.prototype as any)._addHeaderLine.call(this, field, value, dest);
  }

  _addHeaderLineDistinct(field: string, value: string, dest: Record<string, unknown>): void {
    if (!isProtoField(field)) (IncomingMessage.prototype as any)._addHeaderLineDistinct.call(this, field, value, dest);
  }
}
