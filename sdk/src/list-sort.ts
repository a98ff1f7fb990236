import { ValidationError } from './errors.ts';

/**
 * A list's `sort` parameter (`name` or `-name`) mapped to one of the columns the route allows.
 * Only the map's own keys count: `constructor`, `toString` or `__proto__` are names every object
 * answers to, not columns. An unknown name is a 400 naming `sort` and listing the choices.
 */
export function sortColumn<C>(sort: string, columns: Record<string, C>): { column: C; desc: boolean } {
  const desc = sort.startsWith('-');
  const name = desc ? sort.slice(1) : sort;
  if (!Object.hasOwn(columns, name)) {
    throw new ValidationError(`Cannot sort by "${sort.slice(0, 60)}"`, [{ field: 'sort', code: 'enum', params: { allowedValues: Object.keys(columns).flatMap((c) => [c, `-${c}`]) }, message: `must be one of ${Object.keys(columns).flatMap((c) => [c, `-${c}`]).join(', ')}` }]);
  }
  return { column: columns[name]!, desc };
}
