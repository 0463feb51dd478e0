import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestContext } from '../../src/common/context/request-context';
import { systemPrincipal } from '../../src/common/context/principal';
import { OrganizationsRepository } from '../../src/modules/auth/repositories/organizations.repository';
import { ApiKeysService } from '../../src/modules/auth/services/api-keys.service';
import type { TestApp } from './test-app';

const parsePrometheus: (text: string) => PromFamily[] = require('parse-prometheus-text-format');

export interface PromFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

/** Parses a Prometheus text exposition (throws on malformed input). */
export function parseExposition(text: string): Map<string, PromFamily> {
  return new Map(parsePrometheus(text).map((f) => [f.name, f]));
}

/** Runs `promtool check metrics` on the text when promtool is installed; null when it is not. */
export function promtoolCheck(text: string): string | null {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const file = join(mkdtempSync(join(tmpdir(), 'promtool-')), 'metrics.txt');
  writeFileSync(file, text);
  return execFileSync('sh', ['-c', `promtool check metrics < "${file}" 2>&1; echo "exit=$?"`]).toString();
}

/** Creates a non-platform organization with an operator.read key; returns the key. */
export async function otherOrganizationReader(app: TestApp, slug: string): Promise<string> {
  const org = await app.app.get(OrganizationsRepository).create({ slug, name: slug });
  const principal = systemPrincipal(org.id);
  return RequestContext.run({ requestId: `test-${slug}`, transport: 'system', principal }, async () => {
    const created = await app.app.get(ApiKeysService).create({ label: 'reader', scopes: ['operator.read'] });
    return created.api_key;
  });
}
