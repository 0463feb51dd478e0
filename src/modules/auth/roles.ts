import { expandScopes, Scope } from '../../common/context/principal';
import { UserRole } from './entities/user.entity';

export const USER_ROLES: UserRole[] = ['admin', 'operator', 'viewer'];

/**
 * What each user role may do. Operators run the fleet day to day, which
 * includes the approval-class actions (fork or delete a session, replay the
 * DLQ); only admins manage credentials, users, lockdown and configuration.
 */
export const ROLE_SCOPES: Record<UserRole, Scope[]> = {
  admin: ['operator.admin'],
  operator: ['operator.write', 'operator.approvals'],
  viewer: ['operator.read'],
};

export function scopesOfRole(role: UserRole): Set<Scope> {
  return expandScopes(ROLE_SCOPES[role] ?? []);
}
