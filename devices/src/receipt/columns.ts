/** Left text and right text on one line of `columns` characters; the left side is cut if they collide. */
export function twoColumns(left: string, right: string, columns: number): string {
  const room = columns - right.length - 1;
  if (room <= 0) return right.slice(-columns);
  const l = [...left].length > room ? [...left].slice(0, room).join('') : left;
  return l + ' '.repeat(columns - [...l].length - right.length) + right;
}

/** Word-wrap to `columns` characters (code points), breaking long words. */
export function wrap(text: string, columns: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let w = word;
    while ([...w].length > columns) {
      if (line) { out.push(line); line = ''; }
      out.push([...w].slice(0, columns).join(''));
      w = [...w].slice(columns).join('');
    }
    if (!line) line = w;
    else if ([...line].length + 1 + [...w].length <= columns) line += ' ' + w;
    else { out.push(line); line = w; }
  }
  if (line || out.length === 0) out.push(line);
  return out;
}
