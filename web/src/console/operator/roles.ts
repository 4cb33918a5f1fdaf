import type { Role } from '../../../../src/api/contract/auth.ts';
import { useUser } from '../../shared/session.tsx';

/** Who decides on requests (the API's `reviewers`); the auditor reads the same screens without the buttons. */
export const REVIEWER_ROLES: readonly Role[] = ['operator_admin', 'operator_reviewer'];
/** Operator staff: the operator's screens (agency users have their own workspace). */
export const OPERATOR_STAFF: readonly Role[] = ['operator_admin', 'operator_reviewer', 'auditor'];

export function useCanReview(): boolean {
  return REVIEWER_ROLES.includes(useUser().role);
}

/** Platform-wide acts only the operator administrator may do (maintenance notices, decommissioning). */
export function useIsOperatorAdmin(): boolean {
  return useUser().role === 'operator_admin';
}
