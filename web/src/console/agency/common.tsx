import { useEffect, useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useUser } from '../../shared/session.tsx';

export type OwnSystem = OperationResponse<'listSystems'>['items'][number];

/** The signed-in agency user's organization id (agency routes are only for that role, which always has one). */
export function useOrganizationId(): string {
  const user = useUser();
  return user.organizationId ?? '';
}

/**
 * The organization's own systems, for the pickers of the agency screens (an organization has a handful; the
 * API scopes the list to the agency's organization). Lists a person browses page on the server instead.
 */
export function useOwnSystems(filter?: (system: OwnSystem) => boolean) {
  const organizationId = useOrganizationId();
  const [systems, setSystems] = useState<OwnSystem[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .call('listSystems', { query: { organizationId, limit: 100, offset: 0 } })
      .then((answer) => setSystems(answer.items))
      .catch(setError);
  }, [organizationId]);
  return { systems: filter ? systems.filter(filter) : systems, error };
}
