import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TailBuffer } from './child-process';
import { answerFor } from './permission-options';
import { PathRefusedError, Workspace } from './workspace';

describe('Workspace confinement', () => {
  const base = mkdtempSync(join(tmpdir(), 'ws-spec-'));
  const outside = join(base, 'outside');
  let ws: Workspace;
  beforeAll(async () => {
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    ws = await Workspace.open(join(base, 'inside'));
    symlinkSync(outside, join(ws.root, 'out-link'));
    symlinkSync(join(outside, 'secret.txt'), join(ws.root, 'secret-link.txt'));
    mkdirSync(join(ws.root, 'sub'));
    symlinkSync(join(ws.root, 'sub'), join(ws.root, 'in-link'));
  });

  it('reads and writes inside, creating parent directories; relative paths are taken from the root', async () => {
    await ws.writeText(join(ws.root, 'a/b/c.txt'), 'one\ntwo\nthree', 100);
    expect(readFileSync(join(ws.root, 'a/b/c.txt'), 'utf8')).toBe('one\ntwo\nthree');
    expect((await ws.readText('a/b/c.txt', 100)).content).toBe('one\ntwo\nthree');
    expect((await ws.readText(join(ws.root, 'a/b/c.txt'), 100, 2, 1)).content).toBe('two');
    // A symlink that stays inside is fine.
    await ws.writeText(join(ws.root, 'in-link/x.txt'), 'x', 10);
    expect(readFileSync(join(ws.root, 'sub/x.txt'), 'utf8')).toBe('x');
  });

  it.each([
    [
      '../ traversal',
      (root: string) => join(root, '..', 'outside', 'new.txt'),
      /outside the working directory/,
    ],
    ['absolute path elsewhere', () => '/etc/hostname', /outside the working directory/],
    ['directory symlink pointing out', (root: string) => join(root, 'out-link', 'new.txt'), /symlink/],
  ])('write refused: %s', async (_name, path, message) => {
    await expect(ws.writeText(path(ws.root), 'x', 10)).rejects.toThrow(message);
  });

  it('refuses writing through a file symlink, and reading through symlinks that lead out', async () => {
    await expect(ws.writeText(join(ws.root, 'secret-link.txt'), 'x', 10)).rejects.toThrow(PathRefusedError);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    await expect(ws.readText(join(ws.root, 'secret-link.txt'), 100)).rejects.toThrow(/symlink/);
    await expect(ws.readText(join(ws.root, 'out-link/secret.txt'), 100)).rejects.toThrow(/symlink/);
    await expect(ws.directory(join(ws.root, 'out-link'))).rejects.toThrow(/symlink/);
  });

  it('enforces the size limit and names missing files', async () => {
    await expect(ws.writeText(join(ws.root, 'big.txt'), 'x'.repeat(11), 10)).rejects.toThrow(
      /max_file_bytes/,
    );
    await ws.writeText(join(ws.root, 'nine.txt'), 'x'.repeat(9), 10);
    await expect(ws.readText(join(ws.root, 'nine.txt'), 5)).rejects.toThrow(/larger than 5 bytes/);
    await expect(ws.readText(join(ws.root, 'nope.txt'), 5)).rejects.toThrow(/no such file/);
    await expect(ws.writeText('', 'x', 5)).rejects.toThrow(/non-empty/);
  });
});

describe('TailBuffer', () => {
  it('keeps the last bytes and never starts inside a UTF-8 sequence', () => {
    const buf = new TailBuffer(5);
    buf.push(Buffer.from('abc'));
    expect(buf.text()).toBe('abc');
    buf.push(Buffer.from('déf'));
    expect(buf.truncated).toBe(true);
    expect(buf.total).toBe(7);
    expect(buf.text()).toBe('cdéf');
    buf.push(Buffer.from('ü'));
    expect(buf.text()).toBe('éfü');
    buf.push(Buffer.from('x')); // the kept 5 bytes now start in the middle of 'é'
    expect(buf.text()).toBe('füx');
  });
});

describe('answerFor', () => {
  const options = [
    { optionId: 'always', kind: 'allow_always' },
    { optionId: 'once', kind: 'allow_once' },
    { optionId: 'no', kind: 'reject_once' },
  ];
  it('approve prefers allow_once, deny reject_once; without a matching option the answer is cancelled', () => {
    expect(answerFor('approve', options)).toEqual({ outcome: 'selected', optionId: 'once' });
    expect(answerFor('deny', options)).toEqual({ outcome: 'selected', optionId: 'no' });
    expect(answerFor('approve', [options[0]])).toEqual({ outcome: 'selected', optionId: 'always' });
    expect(answerFor('deny', [options[1]])).toEqual({ outcome: 'cancelled' });
  });
});
