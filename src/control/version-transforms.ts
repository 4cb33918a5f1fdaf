import type { SoapRestInput, VersionFieldMappingInput } from '../api/contract/index.ts';
import { LgspError } from '../core/errors.ts';
import {
  type FieldMappingProblem,
  fieldMappingProblems,
  normalizeFieldMapping,
  type VersionFieldMapping,
} from '../core/field-mapping.ts';
import type { SoapRestPlan } from '../core/soap-rest.ts';

/**
 * What a version declares the gateway does to its bodies (issue 12 item 6, R-26): JSON field mapping and SOAP
 * exposed as REST, checked when saved — every problem named at once, in Vietnamese then English — and written as
 * their columns. Both are set only while the version is a draft: consumers build against the shape of a version's
 * bodies, so a published version keeps its shape and a new version changes it (like its mode and a composite's
 * definition; docs/version-changes.md).
 */

/** What the version will be once saved: what decides whether mapping and conversion may apply to it. */
export interface VersionShape {
  status: string;
  protocol: string;
  mode: string;
  isComposite: boolean;
}

function refuse(
  code: 'CP_FIELD_MAPPING_INVALID' | 'CP_SOAP_REST_INVALID',
  problems: FieldMappingProblem[],
): never {
  throw new LgspError(code, problems.map((p) => `${p.path}: ${p.message}`).join('; '), {
    errors: problems.map((p) => ({ in: 'body', path: p.path, message: p.message })),
  });
}

function onlyInDraft(field: string, shape: VersionShape): void {
  if (shape.status !== 'draft')
    throw new LgspError('CP_VERSION_STATE', `${field}: ${shape.status} (chỉ khi nháp / only in draft)`);
}

/** The `field_mapping` column of a create or patch (undefined: unchanged). */
export function fieldMappingColumn(
  input: VersionFieldMappingInput | null | undefined,
  shape: VersionShape,
): { field_mapping?: string | null } {
  if (input === undefined) return {};
  onlyInDraft('fieldMapping', shape);
  if (input === null) return { field_mapping: null };
  const problems: FieldMappingProblem[] = [];
  if (shape.mode !== 'sync')
    problems.push({
      path: '/fieldMapping',
      message: 'chỉ áp dụng cho dịch vụ đồng bộ / only for a sync version',
    });
  if (shape.isComposite)
    problems.push({
      path: '/fieldMapping',
      message:
        'dịch vụ tổng hợp ánh xạ câu trả lời của từng dịch vụ nguồn (composite.backends[].mapping…) / a composite maps each backend answer',
    });
  for (const side of ['request', 'response'] as const) {
    const m = input[side];
    if (m) problems.push(...fieldMappingProblems(m, `/fieldMapping/${side}`));
  }
  if (problems.length > 0) refuse('CP_FIELD_MAPPING_INVALID', problems);
  const mapping: VersionFieldMapping = {
    request: input.request ? normalizeFieldMapping(input.request) : null,
    response: input.response ? normalizeFieldMapping(input.response) : null,
  };
  return { field_mapping: JSON.stringify(mapping) };
}

/** The `soap_rest` column of a create or patch (undefined: unchanged): a declared plan, resolved at submission. */
export function soapRestColumn(
  input: SoapRestInput | null | undefined,
  shape: VersionShape,
): { soap_rest?: string | null } {
  if (input === undefined) return {};
  onlyInDraft('soapRest', shape);
  if (input === null) return { soap_rest: null };
  const problems: FieldMappingProblem[] = [];
  if (shape.protocol !== 'SOAP')
    problems.push({ path: '/soapRest', message: 'chỉ với giao thức SOAP / only for protocol SOAP' });
  if (shape.mode !== 'sync')
    problems.push({ path: '/soapRest', message: 'chỉ với dịch vụ đồng bộ / only for a sync version' });
  if (shape.isComposite)
    problems.push({ path: '/soapRest', message: 'không áp dụng cho dịch vụ tổng hợp / not for a composite' });
  const seen = new Set<string>();
  for (const [i, op] of (input.operations ?? []).entries()) {
    const key = `${op.method} ${op.path}`;
    if (seen.has(key))
      problems.push({
        path: `/soapRest/operations/${i}`,
        message: `${key}: đã dùng cho thao tác khác / already used`,
      });
    seen.add(key);
  }
  if (problems.length > 0) refuse('CP_SOAP_REST_INVALID', problems);
  const plan: SoapRestPlan = {
    port: input.port ?? null,
    soapVersion: null,
    operations: input.operations ?? null,
  };
  return { soap_rest: JSON.stringify(plan) };
}

/**
 * The resources of a SOAP version exposed as REST are its WSDL's operations (resolved at submission): they change
 * with a new WSDL in a new version, never by hand — neither by a patch nor by a version change proposal — and the
 * version stays SOAP while it converts.
 */
export function refuseSoapRestDrift(
  current: { soap_rest: SoapRestPlan | null; protocol: string },
  patch: { resources?: unknown; protocol?: string; soapRest?: unknown },
): void {
  const converting = patch.soapRest !== undefined ? patch.soapRest !== null : current.soap_rest !== null;
  if (!converting) return;
  const problems: FieldMappingProblem[] = [];
  if (patch.resources !== undefined && current.soap_rest?.operations && patch.soapRest === undefined)
    problems.push({
      path: '/resources',
      message:
        'tài nguyên của dịch vụ SOAP công bố dạng REST là các thao tác trong WSDL / the resources of a SOAP-as-REST version are its WSDL operations',
    });
  if (patch.protocol !== undefined && patch.protocol !== 'SOAP')
    problems.push({ path: '/protocol', message: 'đang chuyển SOAP thành REST / the version converts SOAP' });
  if (problems.length > 0) refuse('CP_SOAP_REST_INVALID', problems);
}
