import type { TransactionDetail } from '../api/contract/index.ts';
import { LgspError } from '../core/errors.ts';
import type { Store } from '../store/port.ts';
import { findTransaction } from '../telemetry/transactions.ts';

/**
 * One transaction record with the names a person reads beside its ids (issue 11, the console's detail view).
 * `organizationCode` is the scope an agency user is held to: the record must name its organization as the consumer
 * or the provider — the same rule as the transactions list — or it is answered as not found, so an agency
 * cannot learn that another organization's record exists. Names are the registry's now; the codes on the record
 * are what the gateway saw at the time.
 */
export async function transactionDetail(
  store: Store,
  id: string,
  organizationCode?: string,
): Promise<TransactionDetail> {
  const record = await findTransaction(store, id);
  const visible =
    record !== null &&
    (organizationCode === undefined ||
      record.consumer.organizationCode === organizationCode ||
      record.provider.organizationCode === organizationCode);
  if (!record || !visible) throw new LgspError('TM_TRANSACTION_NOT_FOUND', id);
  const db = store.db;
  const systemName = async (systemId: string | null) =>
    systemId === null
      ? null
      : ((await db.selectFrom('systems').select('name').where('id', '=', systemId).executeTakeFirst())
          ?.name ?? null);
  const organizationName = async (code: string | null) =>
    code === null
      ? null
      : ((await db.selectFrom('organizations').select('name').where('code', '=', code).executeTakeFirst())
          ?.name ?? null);
  const serviceId = record.service.id;
  const service =
    serviceId === null
      ? null
      : ((await db.selectFrom('services').select('name').where('id', '=', serviceId).executeTakeFirst())
          ?.name ?? null);
  return {
    ...record,
    names: {
      consumerSystem: await systemName(record.consumer.systemId),
      consumerOrganization: await organizationName(record.consumer.organizationCode),
      providerSystem: await systemName(record.provider.systemId),
      providerOrganization: await organizationName(record.provider.organizationCode),
      service,
    },
  };
}
