/** Passwords seen at the top of every breach list; refused outright. */
const COMMON = new Set([
  'password',
  'password1',
  'password123',
  '123456789012',
  'qwertyuiop12',
  'changeme',
  'changeme123',
  'letmein',
  'admin',
  'admin123',
  'administrator',
  'welcome',
  'welcome123',
  'iloveyou',
  'passw0rd',
  'p@ssw0rd',
  'secret',
  'clawcontrol',
  'openclaw',
  'qwerty',
  'qwerty123',
  'abc123',
  '111111111111',
  '000000000000',
]);

const PLACEHOLDER = /change.?me|p[a@]ssw[o0]rd|letmein|qwerty|123456|iloveyou/i;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Why a password is too weak ([] when acceptable). */
export function passwordProblems(password: string, email?: string): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH)
    problems.push(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (password.length > PASSWORD_MAX_LENGTH)
    problems.push(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || COMMON.has(lower.replace(/[0-9!]+$/, '')))
    problems.push('is a commonly used password');
  if (PLACEHOLDER.test(password))
    problems.push('contains a well-known placeholder (password, changeme, qwerty, …)');
  if (new Set(password).size < 5) problems.push('uses too few distinct characters');
  if (email) {
    const e = email.toLowerCase();
    if (lower.includes(e) || lower === e.split('@')[0]) problems.push('must not be the email address');
  }
  return problems;
}
