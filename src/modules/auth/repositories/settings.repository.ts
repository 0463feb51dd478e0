import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Setting } from '../entities/setting.entity';

/** Cluster-wide settings: deliberately not organization-scoped. */
@Injectable()
export class SettingsRepository {
  constructor(@InjectRepository(Setting) private readonly repo: Repository<Setting>) {}

  async get<T>(key: string): Promise<T | undefined> {
    const row = await this.repo.findOne({ where: { key } });
    return row ? (row.value as T) : undefined;
  }

  async set(key: string, value: unknown, updatedBy: string): Promise<void> {
    await this.repo.query(
      `INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1, $2::jsonb, $3, now())
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [key, JSON.stringify(value), updatedBy],
    );
  }

  async delete(key: string): Promise<void> {
    await this.repo.delete({ key });
  }
}
