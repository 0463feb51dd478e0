import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return JSON.parse(readFileSync(join(__dirname, rel), 'utf8')).version;
    } catch {}
  }
  return '0.0.0';
}

export const SERVICE_VERSION = readVersion();
