import { Injectable } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomHex } from '../../../common/crypto';
import { LifecycleService } from '../../../common/lifecycle/lifecycle.service';
import { MetricsConfig } from '../metrics.config';

/**
 * Who writes a history point: METRICS_REPLICA_ID, else the host name (the pod
 * name on Kubernetes) plus a random suffix per process, so two processes on one
 * host never mix their counters. `startedAt` is when this process's counters
 * began at zero; a point with another startedAt means a reset.
 */
@Injectable()
export class ReplicaIdentity {
  readonly id: string;
  readonly startedAt: Date;

  constructor(config: MetricsConfig, lifecycle: LifecycleService) {
    this.id = config.replicaId ?? `${hostname().slice(0, 80)}-${randomHex(3)}`;
    this.startedAt = new Date(lifecycle.startedAt);
  }
}
