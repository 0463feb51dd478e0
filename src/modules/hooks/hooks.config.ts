import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { resolve } from 'node:path';
import { EnvVar } from '../../config/env-var.decorator';

export class HooksConfig {
  @EnvVar({
    name: 'HOOKS_DIR',
    doc: 'Directory of lifecycle hooks, one sub-directory per hook with a hook.json manifest (default: <DATA_DIR>/hooks; none when DATA_DIR is memory://)',
  })
  @IsOptional()
  @IsString()
  dir?: string;

  @EnvVar({
    name: 'HOOKS_DEFAULT_TIMEOUT_MS',
    doc: 'Timeout of a hook whose manifest sets no timeout_ms; a hook that takes longer is killed and skipped',
    default: '5000',
  })
  @IsInt()
  @Min(10)
  @Max(600_000)
  defaultTimeoutMs: number;

  @EnvVar({
    name: 'HOOKS_MAX_OUTPUT_BYTES',
    doc: 'Largest answer read from a hook (stdout); more is a failed hook',
    default: '65536',
  })
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  maxOutputBytes: number;

  resolveDir(dataDir: string): string | undefined {
    if (this.dir) return resolve(this.dir);
    if (!dataDir || dataDir.startsWith('memory://')) return undefined;
    return resolve(dataDir, 'hooks');
  }
}
