import { IsOptional, Matches } from 'class-validator';
import { EnvVar } from './env-var.decorator';

export class RedisConfig {
  @EnvVar({
    name: 'REDIS_URL',
    doc: 'redis://host:6379/0. Enables shared rate limits and cross-replica events',
    secret: true,
  })
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// or rediss:// URL' })
  url?: string;

  @EnvVar({
    name: 'REDIS_KEY_PREFIX',
    doc: 'Prefix of every Redis key and channel, so several deployments can share one Redis',
    default: 'clawcontrol:',
  })
  @Matches(/^[A-Za-z0-9:_.-]{1,64}$/, { message: 'must be 1-64 characters of A-Z a-z 0-9 : _ . -' })
  keyPrefix: string;
}
