/**
 * Checks a parsed JSON document before any schema sees it: how deeply it nests (a schema walker or
 * a message formatter recurses, so a document of 10,000 nested arrays would overflow the stack) and
 * whether a number overflowed the double range (JSON.parse reads `1e999` as Infinity, which later
 * prints as `null`). Iterative on purpose; it judges shape only, never meaning.
 */

/** Deeper than any input of this app needs (a sweep spec nests about 6 levels). */
export const MAX_JSON_DEPTH = 64;

/** A path for a message: a deep one is cut after its first parts. */
function shortPath(path: string): string {
  if (path === '') return '(root)';
  if (path.length <= 40) return path;
  const cut = path.lastIndexOf('.', 40);
  return `${path.slice(0, cut > 0 ? cut : 40)}...`;
}

/**
 * Null when `value` is fine, else one line naming the problem and where it is (a dotted path,
 * '(root)' for the whole document).
 */
export function jsonShapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'number' && !Number.isFinite(current)) {
      return `${shortPath(path)}: the number overflows a double (it reads as ${current}); numbers must be finite, within +-1.7976931348623157e308`;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxDepth) return `${shortPath(path)}: the document nests deeper than ${maxDepth} levels; no input of HMPO Lab needs that`;
    const entries = Array.isArray(current) ? current.map((v, i) => [String(i), v] as const) : Object.entries(current);
    for (const [key, child] of entries) stack.push({ value: child, path: path === '' ? key : `${path}.${key}`, depth: depth + 1 });
  }
  return null;
}
