import { hmacHex } from '../../../common/crypto';

/** `mc_session` = `<session id>.<secret>`; the row keeps HMAC(signing secret, secret). */
const SESSION_COOKIE =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{20,128})$/;
/** `X-Agent-Token` = `cca_<token id>_<secret>`. */
const AGENT_TOKEN = /^cca_([0-9a-f]{12})_([A-Za-z0-9_-]{20,128})$/;

export const SESSION_COOKIE_NAME = 'mc_session';
export const CSRF_COOKIE_NAME = 'mc_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const AGENT_TOKEN_HEADER = 'x-agent-token';

export function parseSessionCookie(value: string): { id: string; secret: string } | undefined {
  const m = SESSION_COOKIE.exec(value);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

export function parseAgentToken(value: string): { tokenId: string } | undefined {
  const m = AGENT_TOKEN.exec(value);
  return m ? { tokenId: m[1] } : undefined;
}

/** What is stored for a session or agent-token secret: rotating the signing secret invalidates them all. */
export function signedHash(signingSecret: string, purpose: 'session' | 'agent', secret: string): string {
  return hmacHex(signingSecret, `${purpose}:${secret}`);
}

/** The CSRF token of a session: derived, so nothing extra is stored and it dies with the session. */
export function csrfTokenFor(signingSecret: string, sessionId: string): string {
  return hmacHex(signingSecret, `csrf:${sessionId}`);
}

/** Cookie header → name/value map (first occurrence wins; undecodable values are skipped). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      // malformed escape: ignore this cookie
    }
  }
  return out;
}
