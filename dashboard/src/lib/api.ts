// The admin API, as the dashboard uses it. The session cookie (HttpOnly,
// set by POST /session) authenticates every call; page scripts never see
// the token.

export const API = '/api/v1/admin';

/** A typed error from the API: `{error: {code, message, ...}}`. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public detail: Record<string, unknown> = {}
  ) {
    super(message);
  }
}

/** Called when a request comes back 401 (the layout sends the user to sign in). */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void) {
  onUnauthorized = handler;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(API + path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: reported below */
  }
  if (!response.ok) {
    if (response.status === 401 && !path.startsWith('/session')) onUnauthorized();
    const error = json?.error ?? {};
    throw new ApiError(response.status, error.code ?? 'http_' + response.status, error.message ?? text, error);
  }
  return json as T;
}

export interface Script {
  id: string;
  name: string;
  description: string;
  version: number;
  latest_version: number;
  created_at: string;
  updated_at: string;
}

export interface ScriptDetail extends Script {
  source: string;
}

export interface Route {
  id: string;
  script_id: string;
  method: string;
  path: string;
  created_at: string;
}

export interface VersionSummary {
  version: number;
  created_at: string;
  active: boolean;
}

export interface LogLine {
  elapsed_us: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  position: { line: number; column: number } | null;
}

export interface Invocation {
  seq?: number;
  id: string;
  script_id: string;
  version: number;
  started_at: number;
  method: string;
  path: string;
  status: number;
  error: Record<string, any> | null;
  duration_us: number;
  logs: LogLine[];
}

export interface Stats {
  script_id: string;
  invocations: number;
  errors: number;
  last_invocation_at: number;
}

export interface CheckResult {
  ok: boolean;
  error: { code: string; message: string; line: number | null; column: number | null } | null;
}

export interface TestResult {
  ok: boolean;
  response: { status: number; headers: [string, string][]; body: string } | null;
  error: { code: string; message: string; detail: Record<string, any> } | null;
  logs: LogLine[];
  duration_us: number;
}

export interface Token {
  id: string;
  label: string;
  created_at: string;
}
