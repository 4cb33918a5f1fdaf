import type { Static } from '@sinclair/typebox';
import type {
  PageOf,
  ServiceVersion,
  VersionChange,
  VersionChangeCreate,
  VersionChangeQuery,
} from '../../api/contract/index.ts';
import type { Clock } from '../../core/clock.ts';
import type { Store } from '../../store/port.ts';
import type { Registry, VersionPatch } from '../registry/index.ts';
import {
  listChanges,
  requireChange,
  toChange,
  type VersionChangeSettings,
  type VersionChangesContext,
} from './queries.ts';
import { apply, approve, editDirectly, propose, reject, withdraw } from './steps.ts';

export type { VersionChange, VersionChangeStatus } from '../../api/contract/index.ts';
export type { VersionChangeFilter, VersionChangeSettings } from './queries.ts';
export { sandboxConfigurationsUnderTest, sandboxTargetOf } from './queries.ts';
export { REVIEWED_STATUSES, reviewedFieldsChanged } from './steps.ts';
export { VERSION_CHANGE_MOVES, type VersionChangeAction, type VersionChangeMove } from './workflow.ts';

/**
 * Changes to a published version go through review (issue 10, R-11, R-19). An agency could otherwise point its
 * published version at any address and every subscribed consumer's calls would follow within a second. Instead it
 * proposes new upstreams and/or resources with a reason; the operator's reviewer approves the proposal for a
 * sandbox test — from then on the version's sandbox environment serves the proposed configuration through the
 * gateway, while production keeps serving the reviewed one — and applies it once the gateway has recorded a
 * successful sandbox call made since; the consumers are then told. The reviewer may reject with reasons,
 * the agency may withdraw, at any step before it is applied.
 *
 * The moves are a table (`VERSION_CHANGE_MOVES`) and each goes through one `transition`: one change with its
 * audit event, the version's own events when it is applied, and the notification to the agency.
 */
export class VersionChanges {
  private readonly ctx: VersionChangesContext;

  constructor(store: Store, registry: Registry, clock: Clock, settings: VersionChangeSettings) {
    this.ctx = { store, registry, clock, settings };
  }

  /**
   * A direct edit of a version (PATCH /api/v1/versions/:id): refused for anyone but an operator administrator when
   * it changes a published version's upstreams or resources (CP_VERSION_CHANGE_REVIEW_REQUIRED).
   */
  editVersion(
    id: string,
    patch: VersionPatch,
    actor: string,
    byOperatorAdmin: boolean,
  ): Promise<ServiceVersion> {
    return editDirectly(this.ctx, id, patch, actor, byOperatorAdmin);
  }

  propose(input: VersionChangeCreate, actor: string): Promise<VersionChange> {
    return propose(this.ctx, input, actor);
  }

  approve(id: string, actor: string): Promise<VersionChange> {
    return approve(this.ctx, id, actor);
  }

  apply(id: string, actor: string): Promise<VersionChange> {
    return apply(this.ctx, id, actor);
  }

  reject(id: string, reasons: string[], actor: string): Promise<VersionChange> {
    return reject(this.ctx, id, reasons, actor);
  }

  withdraw(id: string, actor: string): Promise<VersionChange> {
    return withdraw(this.ctx, id, actor);
  }

  /** One page of changes; `query.organizationId` is the provider organization an agency user is limited to. */
  list(query: Static<typeof VersionChangeQuery>): Promise<PageOf<VersionChange>> {
    return listChanges(this.ctx.store.db, query);
  }

  async get(id: string): Promise<VersionChange> {
    return toChange(await requireChange(this.ctx.store.db, id));
  }
}
