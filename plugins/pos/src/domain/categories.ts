/** Every category as `t` with its path ("Dairy / Milk"), depth and a sort key (`ord`): parents before children, siblings by sort then name. */
export const CATEGORY_TREE_SQL = `
with recursive t as (
  select c.*, c.name::text as path, 0 as depth, array[lpad((c.sort + 1000000)::text, 8, '0') || ':' || lower(c.name)] as ord from pos.category c where c.parent_id is null
  union all
  select c.*, t.path || ' / ' || c.name, t.depth + 1, t.ord || (lpad((c.sort + 1000000)::text, 8, '0') || ':' || lower(c.name)) from pos.category c join t on c.parent_id = t.id
)`;
