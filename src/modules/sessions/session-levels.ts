import { AppException } from '../../common/errors/app-exception';
import { REASONING_LEVELS, THINKING_LEVELS, VERBOSE_LEVELS } from './session.types';

export const LEVELS = {
  thinkingLevel: THINKING_LEVELS,
  verboseLevel: VERBOSE_LEVELS,
  reasoningLevel: REASONING_LEVELS,
} as const;

export type LevelField = keyof typeof LEVELS;

/** null/undefined pass (null clears); anything else must be one of the allowed values, else 422 naming them. */
export function checkLevel(field: LevelField, value: unknown, fieldLabel: string = field): void {
  if (value === undefined || value === null) return;
  const allowed = LEVELS[field] as readonly string[];
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new AppException(
      422,
      'INVALID_LEVEL',
      `${fieldLabel} must be one of: ${allowed.join(', ')} (got ${JSON.stringify(value)?.slice(0, 50)})`,
      { field: fieldLabel, allowed },
    );
  }
}
