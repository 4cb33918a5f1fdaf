import type { Changes } from './change.ts';
import type { TokenRevocation } from './snapshot.ts';

/**
 * Revokes an access token (RFC 7009, issue 12 item 8). Tokens are verified locally on every gateway node, so a
 * revocation travels the way every other change does (DESIGN.md "Shape"): one change that writes the entry and
 * its audit event — which bumps the config revision — so the next snapshot, on every node, names the token and
 * the gateway refuses it. The entry is needed only until the token would have expired anyway; entries past that
 * are deleted here, so the table (and the snapshot) hold at most one token lifetime of revocations.
 */
export function revokeAccessToken(changes: Changes, revocation: TokenRevocation): Promise<void> {
  return changes.run(async (trx, now) => {
    await trx.deleteFrom('revoked_tokens').where('expires_at', '<=', now).execute();
    await trx
      .insertInto('revoked_tokens')
      .values({
        jti: revocation.jti,
        credential_id: revocation.credentialId,
        revoked_at: now,
        expires_at: new Date(revocation.expiresAtMs),
      })
      .onConflict((oc) => oc.column('jti').doNothing())
      .execute();
    return {
      result: undefined,
      events: [
        {
          // The client revoked its own token: the credential is the actor (R-20: who did what, when).
          actor: `credential:${revocation.credentialId}`,
          action: 'access_token.revoke',
          objectType: 'access_token',
          objectId: revocation.jti,
          details: {
            credentialId: revocation.credentialId,
            expiresAt: new Date(revocation.expiresAtMs).toISOString(),
          },
        },
      ],
    };
  });
}
