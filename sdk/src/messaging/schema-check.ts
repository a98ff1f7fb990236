import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FieldError } from '../errors.ts';
import { fieldErrorsOf } from '../schema-errors.ts';

const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (a: any, f?: string[]) => any;
// like the kernel's request validator: strict about unknown fields, defaults applied, no coercion
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, useDefaults: true }), ['uuid', 'date-time', 'date', 'email', 'uri']);

/** Checks a value (applying defaults in place); answers the field errors, empty when valid. */
export type SchemaCheck = (value: unknown) => FieldError[];

/** Compiles a TypeBox/JSON schema once (adapter account forms, template variables). */
export function compileSchema(schema: object): SchemaCheck {
  const validate = ajv.compile(schema);
  return (value) => (validate(value) ? [] : fieldErrorsOf(validate.errors));
}
