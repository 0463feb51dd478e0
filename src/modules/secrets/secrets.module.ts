import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretsController } from './controllers/secrets.controller';
import { DataKey } from './entities/data-key.entity';
import { Secret } from './entities/secret.entity';
import { DataKeysRepository } from './repositories/data-keys.repository';
import { SecretsRepository } from './repositories/secrets.repository';
import { VaultLockRepository } from './repositories/vault-lock.repository';
import { DataKeysService } from './services/data-keys.service';
import { MasterKeyRotationService } from './services/master-key-rotation.service';
import { MasterKeyVerifier } from './services/master-key-verifier.service';
import { MasterKeyring } from './services/master-keyring.service';
import { SecretsService } from './services/secrets.service';
import { SecurityAuditService } from './services/security-audit.service';
import { VaultReporting } from './services/vault-reporting.service';
import { VaultLockService } from './services/vault-lock.service';
import { VaultService } from './vault.service';

/**
 * Secrets vault: envelope encryption (master key → per-organization data key →
 * secret), `secret:<name>` references, master-key rotation, vault lock.
 * Global: every module resolves references and seals values through VaultService.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([DataKey, Secret])],
  controllers: [SecretsController],
  providers: [
    MasterKeyring,
    DataKeysRepository,
    SecretsRepository,
    VaultLockRepository,
    DataKeysService,
    VaultLockService,
    VaultService,
    SecretsService,
    MasterKeyRotationService,
    MasterKeyVerifier,
    SecurityAuditService,
    VaultReporting,
  ],
  exports: [VaultService, SecretsService, VaultLockService, MasterKeyring, MasterKeyRotationService, SecurityAuditService],
})
export class SecretsModule {}
