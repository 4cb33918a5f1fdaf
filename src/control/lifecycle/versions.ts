import {
  type ServiceVersion,
  TECHNICAL_DESCRIPTION_ITEMS,
  type TechnicalDescription,
} from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { formatVietnamDateTime, utcOffsetLabel } from '../../core/time.ts';
import { apiDocumentRefusal, validateApiDocument } from '../api-document.ts';
import { grantBackendSubscriptions } from '../composites.ts';
import { publishNotice } from '../notices.ts';
import { sandboxEvidence } from '../sandbox-evidence.ts';
import { checkWsdlSubmission } from '../wsdl-rest.ts';
import { type LifecycleContext, moveVersionIfIn, tooEarly, transitionVersion } from './workflow.ts';

export const DAY_MS = 86_400_000;
/** the current version keeps running at least 180 days after its successor is published. */
export const MIN_SUNSET_DAYS = 180;

/** The items of the technical description a provider must give before submitting (R-11, Decree 47/2020 Art. 24). */
const R11_ITEMS = Object.keys(TECHNICAL_DESCRIPTION_ITEMS) as Array<keyof TechnicalDescription>;

/**
 * A provider submits a version: its service must carry every item of the technical description
 * (Decree 47/2020 Art. 24), and the version its OpenAPI 3 or WSDL document.
 */
export async function submitVersion(
  ctx: LifecycleContext,
  versionId: string,
  input: { technicalDocument: string; documentType: 'openapi' | 'wsdl' },
  actor: string,
): Promise<ServiceVersion> {
  const version = await ctx.registry.getVersion(versionId);
  const service = await ctx.registry.getService(version.serviceId);
  const missing = R11_ITEMS.filter((item) => !service.description[item]?.trim());
  if (missing.length > 0) {
    const names = missing.map((item) => TECHNICAL_DESCRIPTION_ITEMS[item].split(' / '));
    throw new LgspError(
      'CP_DESCRIPTION_INCOMPLETE',
      `Mô tả kỹ thuật của dịch vụ còn thiếu (R-11, Nghị định 47/2020 Điều 24): ${names.map(([vi]) => vi).join('; ')}. / ` +
        `The technical description lacks: ${names.map(([, en]) => en).join('; ')}.`,
      {
        errors: missing.map((item) => ({
          in: 'service',
          path: `/description/${item}`,
          message: `"${TECHNICAL_DESCRIPTION_ITEMS[item].split(' / ')[0]}": bắt buộc trước khi gửi / required before submitting`,
        })),
      },
    );
  }
  // A WSDL is read once, on a thread of its own (src/control/wsdl-rest.ts): checked and, for a SOAP version exposed
  // as REST (issue 12 item 6), resolved — its resources become the operations' (docs/soap-rest.md), and what the
  // conversion cannot honour is refused, naming the construct.
  const checked =
    input.documentType === 'wsdl'
      ? await checkWsdlSubmission(input.technicalDocument, version.soapRest ?? null)
      : { problems: await validateApiDocument('openapi', input.technicalDocument), soapRest: null };
  if (checked.problems.length > 0) throw apiDocumentRefusal(input.documentType, checked.problems);
  if (version.soapRest && input.documentType !== 'wsdl') {
    throw new LgspError(
      'CP_SOAP_REST_INVALID',
      'documentType: cần tài liệu WSDL 1.1 để chuyển SOAP thành REST / a WSDL 1.1 document is needed',
    );
  }
  const soapRest = checked.soapRest;
  await transitionVersion(ctx, versionId, 'submit', actor, async (_trx, now) => ({
    columns: {
      ...(soapRest
        ? { soap_rest: JSON.stringify(soapRest.plan), resources: JSON.stringify(soapRest.resources) }
        : {}),
      technical_document: input.technicalDocument,
      technical_document_type: input.documentType,
      submitted_at: now,
      rejection_reason: null,
    },
  }));
  return ctx.registry.getVersion(versionId);
}

/**
 * The operator has configured the version and opens the sandbox test: a sync version needs a sandbox
 * upstream unless it has an OpenAPI document, whose examples then answer sandbox calls (issue 12 item 9,
 * gateway/sandbox-mock.ts); an async one may have none (its provider then pulls its sandbox messages from its inbox).
 */
export async function startSandboxTest(
  ctx: LifecycleContext,
  versionId: string,
  actor: string,
): Promise<ServiceVersion> {
  const version = await ctx.registry.getVersion(versionId);
  // A composite has no upstream: its backends are called, as its provider system, which is granted
  // sandbox subscriptions to them now (src/control/composites.ts). Without a sandbox upstream, an OpenAPI document
  // answers sandbox calls from its examples (issue 12 item 9).
  if (
    version.mode === 'sync' &&
    !version.upstreams.sandbox &&
    !version.composite &&
    version.technicalDocumentType !== 'openapi'
  ) {
    throw new LgspError(
      'CP_UPSTREAM_URL_INVALID',
      'sandbox: chưa cấu hình, và không có tài liệu OpenAPI để trả lời bằng ví dụ / not configured, and no OpenAPI document to answer from its examples',
    );
  }
  await transitionVersion(ctx, versionId, 'start_sandbox_test', actor, async (trx, now) => ({
    events: await grantBackendSubscriptions(trx, versionId, 'sandbox', actor, now),
  }));
  return ctx.registry.getVersion(versionId);
}

/** The operator refuses a submitted or tested version, saying why (the provider reads it and reworks). */
export async function rejectVersion(
  ctx: LifecycleContext,
  versionId: string,
  reason: string,
  actor: string,
): Promise<ServiceVersion> {
  if (!reason.trim()) throw new LgspError('API_VALIDATION_FAILED', 'reason: bắt buộc / required');
  await transitionVersion(ctx, versionId, 'reject', actor, async () => ({
    columns: { rejection_reason: reason },
  }));
  return ctx.registry.getVersion(versionId);
}

/**
 * Publishes a version: only from the sandbox test, and only once a successful call through the gateway
 * in the sandbox has been recorded — that record is kept as the evidence. Every other published version of the
 * service becomes deprecated with a sunset no earlier than 180 days from now — `previousSunsetAt` may
 * set a later one — and points at this one; the deprecation is published as a notice to their subscribers.
 */
export async function publishVersion(
  ctx: LifecycleContext,
  versionId: string,
  options: { previousSunsetAt?: string },
  actor: string,
): Promise<ServiceVersion> {
  const offset = ctx.settings.timezoneOffsetMinutes;
  const earliest = ctx.clock.nowMs() + MIN_SUNSET_DAYS * DAY_MS;
  const sunsetMs = options.previousSunsetAt ? Date.parse(options.previousSunsetAt) : earliest;
  if (Number.isNaN(sunsetMs) || sunsetMs < earliest) {
    throw tooEarly(
      'CP_SUNSET_TOO_EARLY',
      {
        vi: `Phiên bản cũ phải tiếp tục chạy ít nhất ${MIN_SUNSET_DAYS} ngày sau khi phiên bản mới được công bố, để bên khai thác kịp chuyển sang (R-18, Điều 13)`,
        en: `the previous version keeps running at least ${MIN_SUNSET_DAYS} days after its successor is published, so consumers have time to move (R-18, Article 13)`,
      },
      earliest,
      offset,
    );
  }
  await transitionVersion(ctx, versionId, 'publish', actor, async (trx, now) => {
    const version = await trx
      .selectFrom('service_versions')
      .innerJoin('services', 'services.id', 'service_versions.service_id')
      .select(['service_versions.version', 'services.id as service_id', 'services.context', 'services.name'])
      .where('service_versions.id', '=', versionId)
      .executeTakeFirstOrThrow();
    const evidence = await sandboxEvidence(trx, versionId);
    if (!evidence)
      throw new LgspError(
        'CP_SANDBOX_TEST_REQUIRED',
        `chưa ghi nhận lời gọi sandbox thành công nào tới máy chủ sandbox của bên cung cấp — câu trả lời mẫu từ ví dụ ` +
          `của tài liệu (khi chưa có địa chỉ sandbox) không được tính; Gọi thử: POST /api/v1/versions/${versionId}/try / ` +
          `no successful sandbox call to the provider's sandbox server recorded yet — an answer made from the ` +
          `document's examples (with no sandbox address) does not count; try it: POST /api/v1/versions/${versionId}/try`,
      );
    const previous = await trx
      .selectFrom('service_versions')
      .select(['id', 'version'])
      .where('service_id', '=', version.service_id)
      .where('status', '=', 'published')
      .where('id', '!=', versionId)
      .execute();
    const sunset = new Date(sunsetMs);
    const sunsetAt = `${formatVietnamDateTime(sunset, offset)} (${utcOffsetLabel(offset)})`;
    for (const old of previous) {
      const deprecation = {
        deprecated_at: now,
        sunset_at: sunset,
        successor_version_id: versionId,
      };
      if (!(await moveVersionIfIn(trx, old.id, 'deprecate', deprecation, now))) continue;
      await publishNotice(
        trx,
        {
          kind: 'deprecation',
          serviceId: version.service_id,
          versionId: old.id,
          // The date it stops, as data (the feed, the webhook's payload), like a decommission's.
          startsAt: sunset,
          title: `Ngừng khuyến nghị ${version.context} ${old.version} / ${version.context} ${old.version} deprecated`,
          body:
            `Dịch vụ "${version.name}" phiên bản ${old.version} được thay bằng ${version.version}; phiên bản cũ ngừng hoạt động lúc ${sunsetAt}. ` +
            `Version ${old.version} is replaced by ${version.version} and stops at ${sunsetAt}.`,
        },
        [old.id],
        now,
        actor,
      );
    }
    // publishing a composite is the operator's approval of its backend calls in production.
    const granted = await grantBackendSubscriptions(trx, versionId, 'production', actor, now);
    return {
      events: granted,
      columns: { published_at: now, sandbox_evidence_txn_id: evidence },
      details: {
        deprecated: previous.map((p) => p.id),
        sunsetAt: previous.length ? sunset.toISOString() : null,
      },
    };
  });
  return ctx.registry.getVersion(versionId);
}
