import type { Static } from '@sinclair/typebox';
import type {
  ConnectionRequest,
  ConnectionRequestQuery,
  InformationSystem,
  PageOf,
} from '../../api/contract/index.ts';
import type { Store } from '../../store/port.ts';
import type { Registry } from '../registry/index.ts';
import { listRequests, requireRequest, toRequest } from './queries.ts';
import { approveRequest, type ConnectionRequestInput, rejectRequest, submitRequest } from './workflow.ts';

// The answer's types are the contract's (each written once); re-exported so the workflow's types come from one
// import.
export type { ConnectionRequest, ConnectionRequestStatus } from '../../api/contract/index.ts';
export type { ConnectionRequestInput } from './workflow.ts';

/**
 * The connection request workflow of R-08 (Art. 8–10, the Appendix): an organization applies to connect one of
 * its information systems; the operator approves — which grants the connection by creating the system — or
 * rejects with a reason. Every step is one change (change.ts) with its audit events and the config revision
 * bump, so a refused step (wrong state, unknown id) changes nothing.
 */
export class ConnectionRequests {
  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
  ) {}

  async submit(input: ConnectionRequestInput, actor: string): Promise<ConnectionRequest> {
    return this.registry.changes.run((trx, now) => submitRequest(trx, input, actor, now));
  }

  async approve(
    id: string,
    actor: string,
    note?: string | null,
  ): Promise<{ request: ConnectionRequest; system: InformationSystem }> {
    return this.registry.changes.run((trx, now) => approveRequest(trx, id, note, actor, now));
  }

  async reject(id: string, reason: string, actor: string): Promise<ConnectionRequest> {
    return this.registry.changes.run((trx, now) => rejectRequest(trx, id, reason, actor, now));
  }

  /** One page of requests; `query.organizationId` is the organization an agency user is limited to. */
  async list(query: Static<typeof ConnectionRequestQuery>): Promise<PageOf<ConnectionRequest>> {
    return listRequests(this.store.db, query);
  }

  async get(id: string): Promise<ConnectionRequest> {
    return toRequest(await requireRequest(this.store.db, id));
  }
}
