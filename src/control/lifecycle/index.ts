import type { Static } from '@sinclair/typebox';
import type {
  IssuedCredential,
  Notice,
  NoticeQuery,
  PageOf,
  Service,
  ServiceVersion,
  VersionConsumersQuery,
} from '../../api/contract/index.ts';
import type { Clock } from '../../core/clock.ts';
import { VIETNAM_OFFSET_MINUTES } from '../../core/time.ts';
import type { Store } from '../../store/port.ts';
import type { Registry } from '../registry/index.ts';
import {
  announceMaintenance,
  cancelDecommission,
  cancelMaintenance,
  scheduleDecommission,
} from './announcements.ts';
import { cancelSubscription, rotateCredential } from './credentials.ts';
import { type DueReport, runDue } from './due.ts';
import {
  consumersOfVersion,
  getNotice,
  listNotices,
  pageConsumersOfVersion,
  pageNotices,
  type VersionConsumer,
} from './queries.ts';
import { publishVersion, rejectVersion, startSandboxTest, submitVersion } from './versions.ts';
import type { LifecycleContext, LifecycleSettings } from './workflow.ts';

export { MIN_DECOMMISSION_NOTICE_DAYS } from './announcements.ts';
export { DEFAULT_ROTATION_OVERLAP_HOURS } from './credentials.ts';
export type { DueReport } from './due.ts';
export { NOTICE_FEED_ENTRIES, type VersionConsumer } from './queries.ts';
export { MIN_SUNSET_DAYS } from './versions.ts';
export {
  type LifecycleSettings,
  VERSION_MOVES,
  type VersionAction,
  type VersionMove,
} from './workflow.ts';

/** The configuration's defaults (core/config.ts), for a lifecycle built without settings (tests, tools). */
export const DEFAULT_LIFECYCLE_SETTINGS: LifecycleSettings = {
  timezoneOffsetMinutes: VIETNAM_OFFSET_MINUTES,
  maintenanceMinNoticeHours: 24,
};

/**
 * The changing and ending of services and credentials (Articles 13–15): versions side by side with a sunset,
 * credential rotation with an overlap, decommissioning with 60 days' notice, announced maintenance. Every step is
 * one change (change.ts) with its audit event, and what the public must know is published as a notice in that
 * same transaction; the version moves are a table (`VERSION_MOVES`, workflow.ts). Dates are enforced by the
 * gateway per request from its snapshot; `runDue` then tidies the records (retires, revokes) once the dates have
 * passed, from a table of due-rules (due.ts).
 */
export class Lifecycle {
  private readonly ctx: LifecycleContext;

  constructor(
    store: Store,
    registry: Registry,
    clock: Clock,
    settings: LifecycleSettings = DEFAULT_LIFECYCLE_SETTINGS,
  ) {
    this.ctx = { store, registry, clock, settings };
  }

  submitVersion(
    versionId: string,
    input: { technicalDocument: string; documentType: 'openapi' | 'wsdl' },
    actor: string,
  ): Promise<ServiceVersion> {
    return submitVersion(this.ctx, versionId, input, actor);
  }

  startSandboxTest(versionId: string, actor: string): Promise<ServiceVersion> {
    return startSandboxTest(this.ctx, versionId, actor);
  }

  rejectVersion(versionId: string, reason: string, actor: string): Promise<ServiceVersion> {
    return rejectVersion(this.ctx, versionId, reason, actor);
  }

  publishVersion(
    versionId: string,
    options: { previousSunsetAt?: string },
    actor: string,
  ): Promise<ServiceVersion> {
    return publishVersion(this.ctx, versionId, options, actor);
  }

  rotateCredential(
    credentialId: string,
    overlapHours: number,
    actor: string,
  ): Promise<IssuedCredential & { previousExpiresAt: string }> {
    return rotateCredential(this.ctx, credentialId, overlapHours, actor);
  }

  async scheduleDecommission(
    serviceId: string,
    input: { at: string; reason: string },
    actor: string,
  ): Promise<Service> {
    await scheduleDecommission(this.ctx, serviceId, input, actor);
    return this.ctx.registry.getService(serviceId);
  }

  async announceMaintenance(
    input: { serviceId: string | null; startsAt: string; endsAt: string; title: string; body: string },
    actor: string,
  ): Promise<Notice> {
    return this.getNotice(await announceMaintenance(this.ctx, input, actor));
  }

  /** Cancels a scheduled decommission before its date; answers the service as it now stands. */
  async cancelDecommission(serviceId: string, input: { reason?: string }, actor: string): Promise<Service> {
    await cancelDecommission(this.ctx, serviceId, input, actor);
    return this.ctx.registry.getService(serviceId);
  }

  /** Cancels a maintenance window that has not ended; answers the cancellation notice. */
  async cancelMaintenance(noticeId: string, input: { reason?: string }, actor: string): Promise<Notice> {
    return this.getNotice(await cancelMaintenance(this.ctx, noticeId, input, actor));
  }

  cancelSubscription(subscriptionId: string, actor: string): Promise<{ revokedCredentials: string[] }> {
    return cancelSubscription(this.ctx, subscriptionId, actor);
  }

  runDue(actor = 'system:scheduler'): Promise<DueReport> {
    return runDue(this.ctx, actor);
  }

  consumersOfVersion(versionId: string, sinceIso?: string): Promise<VersionConsumer[]> {
    return consumersOfVersion(this.ctx, versionId, sinceIso);
  }

  /** One page of a version's consumers, for people (issue 11). */
  pageConsumersOfVersion(
    versionId: string,
    query: Static<typeof VersionConsumersQuery>,
  ): Promise<PageOf<VersionConsumer>> {
    return pageConsumersOfVersion(this.ctx, versionId, query);
  }

  getNotice(id: string): Promise<Notice> {
    return getNotice(this.ctx, id);
  }

  /** The newest notices (by default as many as the Atom feed carries). */
  listNotices(limit?: number): Promise<Notice[]> {
    return listNotices(this.ctx, limit);
  }

  /** One page of notices, for people (issue 11). */
  pageNotices(query: NoticeQuery): Promise<PageOf<Notice>> {
    return pageNotices(this.ctx, query);
  }
}
