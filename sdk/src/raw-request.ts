/**
 * A raw-body action's `$headers` (what the gateway passed: Node's lower-cased header object) as one
 * string per name — repeated headers joined with ", " — for signature checks and the like.
 */
export function requestHeaders(raw: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v ?? '');
  return out;
}
