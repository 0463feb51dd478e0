import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

export const HOOK_EVENTS = ['before_run', 'before_tool', 'after_tool', 'after_run'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];
export const HOOK_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const manifestSchema = z
  .object({
    name: z.string().regex(HOOK_NAME, 'must be 1-64 of a-z 0-9 _ - (starting with a letter or digit)'),
    description: z.string().max(500).optional(),
    events: z.array(z.enum(HOOK_EVENTS)).min(1),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    timeout_ms: z.number().int().min(10).max(600_000).optional(),
    enabled: z.boolean().default(true),
  })
  .strict();

export interface HookManifest {
  name: string;
  description?: string;
  events: HookEvent[];
  command: string;
  args: string[];
  timeout_ms?: number;
  enabled: boolean;
  /** The hook's directory (its working directory). */
  dir: string;
  /** The command as executed: relative paths resolved against dir, bare names looked up in PATH. */
  executable: string;
}

export interface ManifestProblem {
  dir: string;
  error: string;
}

/** A manifest file of a hook directory: hook.json. */
export const MANIFEST_FILE = 'hook.json';

/** Reads every `<HOOKS_DIR>/<dir>/hook.json`; a bad manifest (or a duplicate name) is reported and skipped. */
export function loadHookManifests(hooksDir: string | undefined): {
  hooks: HookManifest[];
  errors: ManifestProblem[];
} {
  const hooks: HookManifest[] = [];
  const errors: ManifestProblem[] = [];
  if (!hooksDir || !existsSync(hooksDir)) return { hooks, errors };
  for (const entry of readdirSync(hooksDir).sort()) {
    const dir = join(hooksDir, entry);
    if (!statSync(dir).isDirectory()) continue;
    const file = join(dir, MANIFEST_FILE);
    if (!existsSync(file)) {
      errors.push({ dir, error: `no ${MANIFEST_FILE}` });
      continue;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      errors.push({ dir, error: `${MANIFEST_FILE}: invalid JSON (${(err as Error).message})` });
      continue;
    }
    const parsed = manifestSchema.safeParse(doc);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      errors.push({ dir, error: `${MANIFEST_FILE}: ${issue.path.join('.') || 'value'}: ${issue.message}` });
      continue;
    }
    const m = parsed.data;
    if (hooks.some((h) => h.name === m.name)) {
      errors.push({ dir, error: `hook name '${m.name}' is already used by another directory` });
      continue;
    }
    const executable = isAbsolute(m.command)
      ? m.command
      : m.command.includes('/')
        ? resolve(dir, m.command)
        : m.command;
    hooks.push({ ...m, events: [...new Set(m.events)], dir, executable });
  }
  return { hooks, errors };
}
