import type { Transaction } from 'kysely';
import type { ConnectionRequest } from '../../api/contract/index.ts';
import { enqueueNotification } from '../../notify/outbox.ts';
import type { Database } from '../../store/schema.ts';

/** Tells the applicant (contact point and the organization's webhooks) of the decision, through the outbox. */
export async function notifyDecision(
  trx: Transaction<Database>,
  request: ConnectionRequest,
  nowMs: number,
): Promise<void> {
  const approved = request.status === 'approved';
  const org = await trx
    .selectFrom('organizations')
    .select('contact_email')
    .where('id', '=', request.organizationId)
    .executeTakeFirst();
  const emails = [request.contact.email, org?.contact_email].filter((e): e is string => Boolean(e));
  const verdictVi = approved ? 'được chấp thuận' : 'không được chấp thuận';
  const verdict = approved ? 'approved' : 'rejected';
  await enqueueNotification(
    trx,
    {
      eventType: `connection_request.${verdict}`,
      recipients: { emails, organizationIds: [request.organizationId] },
      subject: `Đề nghị kết nối hệ thống "${request.systemName}" ${verdictVi} / Connection request ${verdict}`,
      text: [
        `Đề nghị kết nối hệ thống "${request.systemName}" của ${request.organizationName} (${request.id}) ${verdictVi}.`,
        ...(request.decisionReason ? [`Lý do / Reason: ${request.decisionReason}`] : []),
        ...(request.systemId ? [`Mã hệ thống / System id: ${request.systemId}`] : []),
        '',
        `The connection request ${request.id} for the system "${request.systemName}" was ${verdict}.`,
      ].join('\n'),
      payload: {
        requestId: request.id,
        organizationId: request.organizationId,
        systemName: request.systemName,
        status: request.status,
        reason: request.decisionReason,
        systemId: request.systemId,
      },
    },
    nowMs,
  );
}
