import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RequestContext } from '../../common/context/request-context';
import { Device } from './entities/device.entity';

export interface SeenDevice {
  deviceId: string;
  publicKey: string;
  clientId: string;
  clientMode?: string;
  platform?: string;
  actor?: string;
  ip?: string;
}

@Injectable()
export class DevicesRepository {
  constructor(@InjectRepository(Device) private readonly repo: Repository<Device>) {}

  /** Records a verified device in the current organization; true when it was seen for the first time. */
  async recordSeen(device: SeenDevice): Promise<boolean> {
    const rows: { inserted: boolean }[] = await this.repo.query(
      `INSERT INTO "devices" ("organization_id", "device_id", "public_key", "client_id", "client_mode", "platform", "last_actor", "last_ip", "last_seen_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
       ON CONFLICT ("organization_id", "device_id") DO UPDATE SET
         "client_id" = EXCLUDED."client_id", "client_mode" = EXCLUDED."client_mode", "platform" = EXCLUDED."platform",
         "last_actor" = EXCLUDED."last_actor", "last_ip" = EXCLUDED."last_ip", "last_seen_at" = now()
       RETURNING (xmax = 0) AS "inserted"`,
      [
        RequestContext.organizationId(),
        device.deviceId,
        device.publicKey,
        device.clientId,
        device.clientMode ?? null,
        device.platform ?? null,
        device.actor ?? null,
        device.ip ?? null,
      ],
    );
    return !!rows[0]?.inserted;
  }

  findByDeviceId(deviceId: string): Promise<Device | null> {
    return this.repo.findOne({ where: { organizationId: RequestContext.organizationId(), deviceId } });
  }

  list(limit = 100): Promise<Device[]> {
    return this.repo.find({ where: { organizationId: RequestContext.organizationId() }, order: { lastSeenAt: 'DESC' }, take: limit });
  }
}
