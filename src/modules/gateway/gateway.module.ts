import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { ClusterPresence } from './connection/cluster-presence';
import { ConnectionRegistry } from './connection/connection-registry';
import { DevicesRepository } from './devices.repository';
import { Device } from './entities/device.entity';
import { GatewayBroadcaster } from './gateway.broadcaster';
import { GatewayDispatcher } from './gateway.dispatcher';
import { GatewayHealthService } from './gateway-health.service';
import { GatewayMetrics } from './gateway.metrics';
import { GatewayServer } from './gateway.server';
import { HandshakeService } from './handshake/handshake.service';
import { MethodProvider } from './methods/method-definition';
import { MethodRegistry } from './methods/method-registry';
import { AgentsMethods } from './methods/agents.methods';
import { ApprovalsMethods } from './methods/approvals.methods';
import { ChatMethods } from './methods/chat.methods';
import { CronMethods } from './methods/cron.methods';
import { SessionsMethods } from './methods/sessions.methods';
import { StatusMethods } from './methods/status.methods';
import { SystemMethods } from './methods/system.methods';

/** The method groups of the bridge, in table order; their union is the method table and `features.methods`. */
const METHOD_PROVIDERS = [SystemMethods, StatusMethods, ChatMethods, SessionsMethods, AgentsMethods, CronMethods, ApprovalsMethods];

/**
 * The OpenClaw-compatible WebSocket bridge (GATEWAY_PROTOCOL.md) at `GET /`.
 * Methods translate onto the same services REST uses; events come from the bus.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Device]), SchedulerModule],
  providers: [
    GatewayMetrics,
    ConnectionRegistry,
    DevicesRepository,
    GatewayHealthService,
    HandshakeService,
    GatewayBroadcaster,
    ClusterPresence,
    ...METHOD_PROVIDERS,
    {
      provide: MethodRegistry,
      useFactory: (...providers: MethodProvider[]) => new MethodRegistry(providers),
      inject: METHOD_PROVIDERS,
    },
    GatewayDispatcher,
    GatewayServer,
  ],
  exports: [ConnectionRegistry, GatewayMetrics],
})
export class GatewayModule {}
