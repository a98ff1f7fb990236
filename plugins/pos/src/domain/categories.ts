/** Every category as `t` with its path ("Dairy / Milk"), depth and a sort key (`ord`): parents before children, siblings by sort then name. */
/** The category tree as CTE `t` (path, depth, sort key), without the WITH — for `listPage`'s `with`. */
export const CATEGORY_TREE = `recursive t as (
  select c.tenant_id, c.id, c.parent_id, c.name, c.sort, c.created_at, c.name::text as path, 0 as depth, array[lpad((c.sort + 1000000)::text, 8, '0') || ':' || lower(c.name)] as ord from pos.category c where c.parent_id is null
  union all
  select c.tenant_id, c.id, c.parent_id, c.name, c.sort, c.created_at, t.path || ' / ' || c.name, t.depth + 1, t.ord || (lpad((c.sort + 1000000)::text, 8, '0') || ':' || lower(c.name)) from pos.category c join t on c.parent_id = t.id
)`;
export const CATEGORY_TREE_SQL = `with ${CATEGORY_TREE}`;
