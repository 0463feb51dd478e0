import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupError } from './backup.errors';
import { applyRetention, backupFileName, detectFormat, latestBackup, listBackups } from './backup-files';

const DAY = 86_400_000;

describe('backup files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cc-backup-files-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, ageDays: number, content: string | Buffer = 'PGDMP…'): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    const at = new Date(Date.now() - ageDays * DAY);
    utimesSync(path, at, at);
    return path;
  }

  it('names backups by UTC time with the format in the extension', () => {
    const at = new Date('2026-03-01T02:15:09.123Z');
    expect(backupFileName('pg_dump', at)).toBe('clawcontrol-20260301T021509Z.dump');
    expect(backupFileName('pglite', at)).toBe('clawcontrol-20260301T021509Z.pglite.tar.gz');
  });

  it('retention deletes only backups older than the window, never the new one, and abandoned partial files', () => {
    const fresh = file('clawcontrol-20260301T000000Z.dump', 1);
    file('clawcontrol-20260201T000000Z.dump', 20);
    file('clawcontrol-20260101T000000Z.pglite.tar.gz', 40);
    const justWritten = file('clawcontrol-20250101T000000Z.dump', 400); // e.g. a clock-skewed mtime
    file('clawcontrol-20260301T000001Z.dump.partial', 2);
    file('clawcontrol-20260301T000002Z.dump.partial', 0); // maybe still being written
    file('unrelated.dump', 100);
    const deleted = applyRetention(dir, 14, justWritten).map((p) => p.split('/').pop());
    expect(deleted.sort()).toEqual([
      'clawcontrol-20260101T000000Z.pglite.tar.gz',
      'clawcontrol-20260201T000000Z.dump',
      'clawcontrol-20260301T000001Z.dump.partial',
    ]);
    expect(readdirSync(dir).sort()).toEqual([
      'clawcontrol-20250101T000000Z.dump',
      'clawcontrol-20260301T000000Z.dump',
      'clawcontrol-20260301T000002Z.dump.partial',
      'unrelated.dump',
    ]);
    expect(latestBackup(dir)).toBe(fresh);
    expect(applyRetention(dir, 0, fresh)).toEqual([]); // 0 keeps everything
  });

  it('lists complete backups newest first and reports an empty directory clearly', () => {
    expect(listBackups(join(dir, 'missing'))).toEqual([]);
    expect(() => latestBackup(dir)).toThrow(/no backup in/);
    file('clawcontrol-20260101T000000Z.dump', 3);
    file('clawcontrol-20260102T000000Z.dump', 2);
    expect(listBackups(dir).map((b) => b.name)).toEqual(['clawcontrol-20260102T000000Z.dump', 'clawcontrol-20260101T000000Z.dump']);
  });

  it('recognises the format by content, not by name', () => {
    expect(detectFormat(file('a.bin', 0, 'PGDMP\u0001\u000e'))).toBe('pg_dump');
    expect(detectFormat(file('b.bin', 0, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00])))).toBe('pglite');
    const junk = file('c.dump', 0, 'hello');
    expect(() => detectFormat(junk)).toThrow(BackupError);
    expect(() => detectFormat(join(dir, 'nope'))).toThrow(/does not exist/);
  });
});
