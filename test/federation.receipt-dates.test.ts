import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { systemClock } from '../src/core/clock.ts';
import { PeerClients } from '../src/federation/peer-clients.ts';
import type { PeerData } from '../src/federation/snapshot.ts';
import {
  fetchPeerReceipt,
  messageFederationOf,
  noteHandedOn,
  noteReceipt,
} from '../src/messaging/peer-forward.ts';
import type { MessageMeta } from '../src/messaging/port.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { openTestStore, storeKinds, type TestStore } from './helpers/stores.ts';

/**
 * A peer's receipt names when the final platform delivered the message (`deliveredAt`); we store it and show it to
 * our source. It was taken as any string: `"0000-01-01T00:00:00Z"` and `"abc"` failed the write on PGlite and on
 * PostgreSQL alike ("date/time field value out of range", "invalid input syntax"), and since the failing message
 * was first in line each round, no receipt after it was ever looked at again; `"2026-12-07"` (no time, no offset)
 * or year 10000 were stored; a number was taken as "no time". Now the time is checked as the admin API checks a
 * date-time (core/date-time.ts: RFC 3339 with an offset, 1970–9999), and a receipt with any other is no receipt —
 * looked at again later, like an answer we cannot read — on both stores the same.
 */
describe('a peer receipt’s deliveredAt is a date-time the API would take, or the receipt is not one', () => {
  /** The receipt's `deliveredAt`, by the remote message id asked for. */
  const deliveredAtOf: Record<string, unknown> = {
    'r-year-zero': '0000-01-01T00:00:00Z',
    'r-words': 'abc',
    'r-number': 1_796_612_400_000,
    'r-no-offset': '2026-12-07',
    'r-year-10000': '10000-01-01T00:00:00Z',
    'r-before-1970': '1969-12-31T23:59:59Z',
    'r-good': '2026-12-07T10:00:00+07:00',
    'r-null': null,
  };
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/token') {
      res.end('{"access_token":"t","token_type":"Bearer","expires_in":3600}');
      return;
    }
    const id = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
    res.end(JSON.stringify({ state: 'delivered', deliveredAt: deliveredAtOf[id], receipt: 'da-nhan' }));
  });
  let clients: PeerClients;
  let peer: PeerData;

  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    clients = new PeerClients(new EgressPolicy({ allow: [new URL(url).host] }), systemClock, 5_000);
    peer = {
      id: 'peer_dates',
      code: 'ngay-gio',
      kind: 'openlgsp',
      systemId: 'sys_peer',
      gatewayUrl: url,
      tokenUrl: `${url}/token`,
      jwksUrl: `${url}/jwks`,
      clientId: 'a',
      clientSecret: 'b',
      clientCertPem: null,
      clientKeyPem: null,
    };
  });
  after(async () => {
    await clients.close();
    server.close();
  });

  for (const kind of storeKinds) {
    describe(kind, () => {
      let s: TestStore;
      before(async () => {
        s = await openTestStore(kind);
      });
      after(() => s.dispose());

      /** Hands a message on to the peer as `remoteId`, looks at its receipt, notes it; gives what was stored. */
      const look = async (remoteId: string) => {
        const id = `msg_${remoteId}`;
        await noteHandedOn(s.store, { id } as MessageMeta, peer.id, remoteId, Date.now(), Date.now());
        const receipt = await fetchPeerReceipt(clients, peer, remoteId, 5_000);
        await noteReceipt(s.store, id, receipt, 1, receipt ? null : Date.now() + 60_000);
        return { receipt, row: (await messageFederationOf(s.store, id))! };
      };

      for (const remoteId of [
        'r-year-zero',
        'r-words',
        'r-number',
        'r-no-offset',
        'r-year-10000',
        'r-before-1970',
      ]) {
        test(`${JSON.stringify(deliveredAtOf[remoteId])}: no receipt, looked at again later`, async () => {
          const { receipt, row } = await look(remoteId);
          assert.equal(receipt, null);
          assert.equal(row.remote_state, 'accepted');
          assert.equal(row.remote_delivered_at, null);
          assert.notEqual(row.next_check_at, null);
        });
      }

      test('"2026-12-07T10:00:00+07:00": delivered, at that instant', async () => {
        const { receipt, row } = await look('r-good');
        assert.equal(receipt?.state, 'delivered');
        assert.equal(row.remote_state, 'delivered');
        assert.equal(new Date(row.remote_delivered_at!).toISOString(), '2026-12-07T03:00:00.000Z');
      });

      test('null: delivered, the time not said', async () => {
        const { receipt, row } = await look('r-null');
        assert.equal(receipt?.state, 'delivered');
        assert.equal(row.remote_delivered_at, null);
      });
    });
  }
});
