import type { CollectedCredential, Environment } from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { sha256Hex } from '../../core/hashing.ts';
import { newSecret } from '../../core/ids.ts';
import { formatVietnamDateTime, utcOffsetLabel } from '../../core/time.ts';
import type { RequestsContext } from './queries.ts';
import { transition } from './workflow.ts';

/**
 * The consumer collects the secret of a credential the approval issued, once (R-12 "consumer key, initial
 * password"; R-25 shown once, to its holder only). A fresh secret is generated now and only its hash kept, so
 * no one — not the reviewer who approved, not the database — has seen it before. Collecting twice is refused
 * (CP_REQUEST_STATE): a lost secret is replaced by rotating the credential.
 */
export async function collectCredential(
  ctx: RequestsContext,
  id: string,
  environment: Environment,
  actor: string,
): Promise<CollectedCredential> {
  const consumerSecret = newSecret();
  return transition<CollectedCredential>(
    ctx,
    'collect_credential',
    id,
    actor,
    async ({ trx, row: request, now }) => {
      const credentialId =
        environment === 'sandbox' ? request.sandbox_credential_id : request.production_credential_id;
      const collectedAt =
        environment === 'sandbox'
          ? request.sandbox_credential_collected_at
          : request.production_credential_collected_at;
      if (!credentialId) {
        throw new LgspError(
          'CP_REQUEST_STATE',
          `${id}: đề nghị chưa được cấp thông tin kết nối ${environment} (chưa phê duyệt, hoặc hệ thống dùng khoá đang có) / ` +
            `no ${environment} credential was issued by this request (not approved yet, or the system uses the one it has)`,
        );
      }
      if (collectedAt) {
        const offset = ctx.settings.timezoneOffsetMinutes;
        const at = `${formatVietnamDateTime(collectedAt, offset)} (${utcOffsetLabel(offset)})`;
        throw new LgspError(
          'CP_REQUEST_STATE',
          `${id}: đã nhận lúc ${at}; nếu mất secret, đề nghị Sở TT&TT thay khoá / ` +
            `already collected at ${at}; if the secret is lost, ask the operator to rotate the credential`,
        );
      }
      const credential = await trx
        .selectFrom('credentials')
        .select(['id', 'consumer_key', 'status', 'replaced_by'])
        .where('id', '=', credentialId)
        .executeTakeFirstOrThrow();
      if (credential.status === 'revoked') throw new LgspError('CP_CREDENTIAL_REVOKED', credentialId);
      if (credential.replaced_by) {
        throw new LgspError('CP_CREDENTIAL_ROTATED', `${credentialId} → ${credential.replaced_by}`);
      }
      await trx
        .updateTable('credentials')
        .set({ secret_sha256: sha256Hex(consumerSecret) })
        .where('id', '=', credentialId)
        .execute();
      return {
        set:
          environment === 'sandbox'
            ? { sandbox_credential_collected_at: now }
            : { production_credential_collected_at: now },
        details: { environment, credentialId, consumerKey: credential.consumer_key },
        result: {
          requestId: id,
          environment,
          credentialId,
          consumerKey: credential.consumer_key,
          consumerSecret,
        },
      };
    },
  );
}
