import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { pendingSchemaChanges, renderMigration } from '../scripts/generate-migration';
import { backendIndependentSkipped } from './support/skip';

@Entity('gen_probe')
class GenProbe {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('gen_probe_label_idx')
  @Column({ type: 'text', default: () => `'it''s \`quoted\`'` })
  label: string;
}

const describeGenerate = backendIndependentSkipped('generate-migration') ? describe.skip : describe;

describeGenerate('npm run migration:generate', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'cc-gen-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a migration that closes the gap between entities and migrations', async () => {
    const changes = await pendingSchemaChanges([], [GenProbe]);
    expect(changes.up.map((q) => q.query).join('\n')).toContain('CREATE TABLE "gen_probe"');

    const source = renderMigration('GenProbe1700000000000', changes);
    expect(source).toContain("name = 'GenProbe1700000000000';");
    const file = join(dir, '1700000000000-GenProbe.ts');
    writeFileSync(file, source);
    const { GenProbe1700000000000 } = require(file); // compiled by ts-jest like any source file

    // with the generated migration applied, TypeORM sees nothing left to do
    expect(await pendingSchemaChanges([GenProbe1700000000000], [GenProbe])).toEqual({ up: [], down: [] });
    // down() undoes up() in reverse order: the index goes before its table
    const down = source.slice(source.indexOf('async down('));
    expect(down.indexOf('DROP INDEX')).toBeGreaterThan(-1);
    expect(down.indexOf('DROP INDEX')).toBeLessThan(down.indexOf('DROP TABLE "gen_probe"'));
  }, 120_000);
});
