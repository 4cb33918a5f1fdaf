import { type Static, Type } from '@sinclair/typebox';
import { Id, Nullable, OneOf, PageQuery, Strict, Timestamp } from './common.ts';
import { ResourceSchema, UpstreamsSchema } from './versions.ts';

/**
 * Proposed changes to a published version (issue 10, R-11, R-19): what the gateway forwards to (upstreams) and
 * what it lets through (resources) change only after the operator's review and a sandbox test through the gateway.
 */

export const VERSION_CHANGE_STATUSES = [
  'submitted',
  'sandbox_test',
  'applied',
  'rejected',
  'withdrawn',
] as const;
export const VersionChangeStatusSchema = OneOf(VERSION_CHANGE_STATUSES, {
  description:
    'submitted → sandbox_test (sandbox phục vụ cấu hình đề nghị / the sandbox serves the proposal) → applied; ' +
    'rejected (có lý do / with reasons) | withdrawn (cơ quan rút lại / withdrawn by the agency)',
});
export type VersionChangeStatus = Static<typeof VersionChangeStatusSchema>;

const ProposedResources = Type.Array(ResourceSchema, {
  minItems: 1,
  maxItems: 500,
  description: 'Danh sách tài nguyên thay thế danh sách hiện tại / replaces the version’s resources',
});

export const VersionChangeCreate = Type.Object(
  {
    versionId: Id('Phiên bản đã công bố của cơ quan / the agency’s published version'),
    upstreams: Type.Optional(UpstreamsSchema),
    resources: Type.Optional(ProposedResources),
    reason: Type.String({
      minLength: 1,
      maxLength: 5000,
      description: 'Lý do thay đổi / why the change is needed',
    }),
  },
  Strict,
);
export type VersionChangeCreate = Static<typeof VersionChangeCreate>;

export const VersionChangeReasons = Type.Object(
  {
    reasons: Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), {
      minItems: 1,
      maxItems: 50,
      description: 'Mỗi lý do một dòng / one reason per entry',
    }),
  },
  Strict,
);
export type VersionChangeReasons = Static<typeof VersionChangeReasons>;

export const VersionChangeQuery = PageQuery(
  {
    status: Type.Optional(VersionChangeStatusSchema),
    versionId: Type.Optional(Id('Lọc theo phiên bản / by version')),
    organizationId: Type.Optional(Id('Lọc theo cơ quan cung cấp / by provider organization')),
  },
  { searches: 'context, lý do, mã đề nghị / context, reason, request id', sortable: ['submittedAt'] },
);

const Upstreams = Type.Object({ sandbox: Nullable(Type.String()), production: Nullable(Type.String()) });
const Resources = Type.Array(Type.Object({ method: Type.String(), path: Type.String() }));

export const VersionChangeSchema = Type.Object({
  id: Type.String(),
  versionId: Type.String(),
  serviceId: Type.String(),
  context: Type.String(),
  version: Type.String(),
  organizationId: Type.String({ description: 'Cơ quan cung cấp / the provider organization' }),
  proposed: Type.Object(
    {
      upstreams: Type.Object({
        sandbox: Type.Optional(Nullable(Type.String())),
        production: Type.Optional(Nullable(Type.String())),
      }),
      resources: Nullable(Resources),
    },
    {
      description:
        'Chỉ những gì thay đổi: môi trường không có trong upstreams và resources null là giữ nguyên / only ' +
        'what changes: an environment absent from upstreams, and resources null, are unchanged',
    },
  ),
  current: Type.Object(
    { upstreams: Upstreams, resources: Resources },
    { description: 'Cấu hình đang phục vụ ở production / what production serves now' },
  ),
  previous: Nullable(
    Type.Object(
      { upstreams: Upstreams, resources: Resources },
      { description: 'Cấu hình bị thay khi áp dụng / what the applied change replaced' },
    ),
  ),
  sandboxTarget: Nullable(
    Type.String({
      description:
        'Địa chỉ sandbox phục vụ trong khi thử nghiệm / the upstream the sandbox serves during the test',
    }),
  ),
  reason: Type.String(),
  status: VersionChangeStatusSchema,
  reasons: Type.Array(Type.String(), { description: 'Lý do từ chối / why it was rejected' }),
  sandboxEvidenceTransactionId: Nullable(Type.String()),
  requestedBy: Type.String(),
  submittedAt: Timestamp,
  stageStartedAt: Timestamp,
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Timestamp),
  updatedAt: Timestamp,
});
/**
 * A proposed change of a published version with what production serves now beside it. While it is in
 * `sandbox_test`, the version's sandbox environment forwards to `sandboxTarget` with the proposed resources.
 */
export type VersionChange = Static<typeof VersionChangeSchema>;
