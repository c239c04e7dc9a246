// Small, pure formatting helpers (unit-tested).

/** `812 µs`, `3.4 ms`, `1.20 s`. */
export function duration(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** `just now`, `5 min ago`, `3 h ago`, `2 d ago` (from Unix ms). */
export function ago(ms: number, now: number = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** An error rate as a percentage with one decimal, or `—` with no calls. */
export function errorRate(errors: number, total: number): string {
  if (total === 0) return '—';
  return `${((100 * errors) / total).toFixed(1)}%`;
}

/** Pretty-prints a body when it is JSON, else returns it as is. */
export function prettyBody(body: string, contentType: string | undefined): string {
  if (!contentType?.includes('json')) return body;
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** Parses `"GET /path"` into a route spec, or explains what is wrong. */
export function parseRoute(spec: string): { method: string; path: string } | string {
  const parts = spec.trim().split(/\s+/);
  if (parts.length === 1 && parts[0].startsWith('/')) return { method: 'GET', path: parts[0] };
  if (parts.length !== 2) return 'write a route as METHOD /path, e.g. GET /hello/{name}';
  return { method: parts[0].toUpperCase(), path: parts[1] };
}

/** Lines of `k: v` (or `k=v` for query) into pairs, skipping blanks. */
export function pairs(text: string, separator: ':' | '='): [string, string][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const at = line.indexOf(separator);
      return at < 0 ? [line, ''] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    });
}
