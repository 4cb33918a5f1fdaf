import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { LgspError } from '../src/core/errors.ts';
import { newId } from '../src/core/ids.ts';
import { CSV_RECORD_MAX_CHARS, csvFile } from '../src/reports/csv.ts';
import { MAX_FILE_LINES, parsePartyFile } from '../src/reports/party-file.ts';
import {
  DIFFERENCE_HEADINGS,
  DIFFERENCE_KINDS,
  type Party,
  type PartyRole,
  type PlatformEntry,
  platformView,
  reconcile,
} from '../src/reports/reconciliation.ts';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { type AdminHarness, openAdminHarness, withoutRequestId } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { callRecord } from './helpers/records.ts';
import { storeKinds } from './helpers/stores.ts';

/**
 * Issue 5 item 6, reconciliation (R-23): a history of a few hundred records for two parties (sync calls and the
 * legs of async messages), the party's file built from the platform's own view, then deliberately divergent —
 * rows dropped, rows the platform never saw added, statuses changed — must give exactly the planted differences.
 */

const A_CODE = '000.00.31.H01';
const B_CODE = '000.00.12.H01';
const P_CODE = '000.00.99.H01';
const T0 = Date.parse('2025-03-01T00:00:00Z');
const FROM = new Date(T0).toISOString();
const TO = new Date(T0 + 86_400_000).toISOString();
const SLOTS = 240;
const SLOT_MS = 7000;

/** A small deterministic generator, so a failure replays the same way. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Systems {
  sysA: string;
  sysB: string;
  sysP: string;
  sysX: string;
}

/** A generated record and, independently of the code under test, on which side each party should see it. */
interface Generated {
  rec: TransactionRecord;
  a: 'consumer' | 'provider' | null;
  b: 'consumer' | 'provider' | null;
}

const ORG: Record<string, string> = {};

function rec(
  at: number,
  consumer: string,
  provider: string,
  service: string,
  over: Partial<TransactionRecord> = {},
): TransactionRecord {
  const [context, version] = service.split('/') as [string, string];
  return callRecord(at, {
    consumerSystemId: consumer,
    consumerOrgCode: ORG[consumer] ?? null,
    credentialId: 'cred_x',
    providerSystemId: provider,
    providerOrgCode: ORG[provider] ?? null,
    serviceId: `svc_${context}`,
    serviceContext: context,
    versionId: `ver_${context}`,
    version,
    resourceTemplate: '/x/{id}',
    ...over,
  });
}

/** Slots 7 s apart; the legs of one message within 2 s of each other, on the same service. */
function history(s: Systems, seed = 42): Generated[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: Generated[] = [];
  const sync = (at: number, consumer: string, provider: string, service: string) => {
    const outcome = pick(['ok', 'ok', 'ok', 'notfound', 'timeout', 'refused'] as const);
    const over: Partial<TransactionRecord> =
      outcome === 'ok'
        ? {}
        : outcome === 'notfound'
          ? { providerStatus: 404, consumerStatus: 404 }
          : outcome === 'timeout'
            ? {
                providerStatus: null,
                consumerStatus: 504,
                errorCode: 'GW_UPSTREAM_TIMEOUT',
                responseInAt: null,
              }
            : {
                providerStatus: null,
                consumerStatus: 403,
                errorCode: 'GW_SUBSCRIPTION_REQUIRED',
                requestOutAt: null,
                responseInAt: null,
              };
    const t = rec(at, consumer, provider, service, over);
    const forwarded = t.requestOutAt !== null;
    const side = (sys: string) =>
      consumer === sys ? ('consumer' as const) : provider === sys && forwarded ? ('provider' as const) : null;
    out.push({ rec: t, a: side(s.sysA), b: side(s.sysB) });
  };
  for (let i = 0; i < SLOTS; i++) {
    const at = T0 + 1000 + i * SLOT_MS;
    switch (i % 8) {
      case 0:
      case 7:
        sync(at, s.sysA, s.sysP, 'hotich/1.0');
        break;
      case 1:
        sync(at, s.sysB, s.sysA, 'dancu/2.0');
        break;
      case 2: {
        // A → B, pushed: A's intake; B's push attempts (a failed one first, sometimes).
        const messageId = newId('msg', at);
        const m = { messageId, method: 'POST', resourceTemplate: '' };
        out.push({
          rec: rec(at, s.sysA, s.sysB, 'hoso/1.0', {
            ...m,
            leg: 'intake',
            consumerStatus: 202,
            providerStatus: null,
          }),
          a: 'consumer',
          b: null,
        });
        if (r() < 0.4) {
          out.push({
            rec: rec(at + 900, s.sysA, s.sysB, 'hoso/1.0', {
              ...m,
              leg: 'delivery',
              providerStatus: 500,
              consumerStatus: 500,
            }),
            a: null,
            b: 'provider',
          });
        }
        out.push({
          rec: rec(at + 1500, s.sysA, s.sysB, 'hoso/1.0', { ...m, leg: 'delivery' }),
          a: null,
          b: 'provider',
        });
        break;
      }
      case 3: {
        // B → A, pulled: B's intake; A's pull (GET) and acknowledgement.
        const messageId = newId('msg', at);
        out.push({
          rec: rec(at, s.sysB, s.sysA, 'thue/1.0', {
            messageId,
            method: 'POST',
            leg: 'intake',
            consumerStatus: 202,
            providerStatus: null,
          }),
          a: null,
          b: 'consumer',
        });
        out.push({
          rec: rec(at + 1000, s.sysB, s.sysA, 'thue/1.0', { messageId, leg: 'delivery', method: 'GET' }),
          a: 'provider',
          b: null,
        });
        out.push({
          rec: rec(at + 2000, s.sysB, s.sysA, 'thue/1.0', { messageId, leg: 'ack', method: 'POST' }),
          a: 'provider',
          b: null,
        });
        break;
      }
      case 4:
        sync(at, s.sysX, s.sysP, 'hotich/1.0');
        break;
      case 5:
        sync(at, s.sysA, s.sysB, 'dkkd/1.0');
        break;
      case 6:
        // B's own system calling B's own service: counted once, on the consumer side.
        sync(at, s.sysB, s.sysB, 'dkkd/1.0');
        break;
    }
  }
  // Outside the period: never part of the view.
  out.push({ rec: rec(T0 - 1, s.sysA, s.sysP, 'hotich/1.0'), a: null, b: null });
  out.push({ rec: rec(Date.parse(TO), s.sysB, s.sysA, 'dancu/2.0'), a: null, b: null });
  return out;
}

type Form = 'transactionId' | 'timeService';

interface Planted {
  csv: string;
  dropped: string[];
  changed: Map<string, number>;
  extraLines: number[];
}

/**
 * The party's file as the platform sees it, then made divergent: `k` rows dropped, `m` statuses changed, `j`
 * rows added that the platform never saw (ids it never gave; times ≥ 2.5 s from any record, or a service it
 * never carried), and the order shuffled.
 */
function plant(view: PlatformEntry[], form: Form, k: number, j: number, m: number, seed: number): Planted {
  const r = rng(seed);
  const order = view.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const x = Math.floor(r() * (i + 1));
    [order[i], order[x]] = [order[x]!, order[i]!];
  }
  const dropped = order.slice(0, k).map((i) => view[i]!.id);
  const changedIdx = new Set(order.slice(k, k + m));
  const kept = order.slice(k);
  const rows: Array<{ cells: string[]; id?: string; extra?: boolean }> = kept.map((i) => {
    const p = view[i]!;
    let status = p.status === null ? '' : String(p.status);
    if (changedIdx.has(i)) status = p.status === 200 ? '500' : '200';
    return {
      id: p.id,
      cells: form === 'transactionId' ? [p.id, status] : [p.time, p.service!, status],
    };
  });
  for (let x = 0; x < j; x++) {
    const slot = Math.floor(r() * SLOTS);
    const cells =
      form === 'transactionId'
        ? [newId('txn', T0 + x), '200']
        : [
            new Date(T0 + 1000 + slot * SLOT_MS + 4500).toISOString(),
            x % 2 ? 'khongco/9.9' : ['hotich/1.0', 'dancu/2.0', 'hoso/1.0', 'thue/1.0', 'dkkd/1.0'][x % 5]!,
            '200',
          ];
    rows.splice(Math.floor(r() * (rows.length + 1)), 0, { cells, extra: true });
  }
  const changed = new Map<string, number>();
  const extraLines: number[] = [];
  rows.forEach((row, i) => {
    const line = i + 2;
    if (row.extra) extraLines.push(line);
    else if (changedIdx.has(view.findIndex((p) => p.id === row.id))) changed.set(row.id!, line);
  });
  const header = form === 'transactionId' ? 'ma_giao_dich,trang_thai' : 'thoi_gian,dich_vu,trang_thai';
  return {
    csv: `${header}\n${rows.map((row) => row.cells.join(',')).join('\n')}\n`,
    dropped,
    changed,
    extraLines,
  };
}

const sorted = <T>(xs: Iterable<T>) => [...xs].sort();

async function seedParties(h: AdminHarness): Promise<Systems & { orgA: string; orgB: string }> {
  const orgA = await h.registry.createOrganization({ code: A_CODE, name: 'Sở Tư pháp' }, 'test');
  const orgB = await h.registry.createOrganization({ code: B_CODE, name: 'Sở Kế hoạch' }, 'test');
  const orgP = await h.registry.createOrganization({ code: P_CODE, name: 'Bộ' }, 'test');
  const sys = (organizationId: string, name: string) =>
    h.registry.createSystem({ organizationId, name, isProvider: true, isConsumer: true }, 'test');
  const s = {
    sysA: (await sys(orgA.id, 'A')).id,
    sysB: (await sys(orgB.id, 'B')).id,
    sysP: (await sys(orgP.id, 'P')).id,
    sysX: (await sys(orgP.id, 'X')).id,
  };
  ORG[s.sysA] = A_CODE;
  ORG[s.sysB] = B_CODE;
  ORG[s.sysP] = P_CODE;
  ORG[s.sysX] = P_CODE;
  return { ...s, orgA: orgA.id, orgB: orgB.id };
}

for (const kind of storeKinds) {
  describe(`reconciliation (R-23) (${kind})`, () => {
    let h: AdminHarness;
    let s: Systems & { orgA: string; orgB: string };
    let generated: Generated[];
    let agencyToken: string;
    let auditorToken: string;

    before(async () => {
      h = await openAdminHarness(kind);
      s = await seedParties(h);
      generated = history(s);
      await insertTransactions(
        h.store,
        generated.map((g) => g.rec),
      );
      await h.accounts.createUser(
        {
          username: 'stp',
          displayName: 'STP',
          password: 'agency-password',
          role: 'agency',
          organizationId: s.orgA,
        },
        'test',
      );
      agencyToken = (await h.accounts.login('stp', 'agency-password')).token;
      await h.accounts.createUser(
        {
          username: 'kt',
          displayName: 'KT',
          password: 'auditor-password',
          role: 'auditor',
          organizationId: null,
        },
        'test',
      );
      auditorToken = (await h.accounts.login('kt', 'auditor-password')).token;
    });
    after(() => h?.dispose());

    test("the platform's view: each party on the side of the exchange it took part in", async () => {
      assert.ok(generated.length >= 300, `${generated.length} records`);
      for (const [party, who, code] of [
        [{ systemId: s.sysA }, 'a', A_CODE],
        [{ systemId: s.sysB }, 'b', B_CODE],
        [{ organizationCode: B_CODE }, 'b', B_CODE],
      ] as Array<[Party, 'a' | 'b', string]>) {
        const view = await platformView(h.store, party, 'any', FROM, TO);
        const expected = generated.filter((g) => g[who] !== null);
        assert.deepEqual(
          sorted(view.map((p) => `${p.id} ${p.side}`)),
          sorted(expected.map((g) => `${g.rec.id} ${g[who]}`)),
          code,
        );
        for (const role of ['consumer', 'provider'] as PartyRole[]) {
          const part = await platformView(h.store, party, role, FROM, TO);
          // A call of B's own system to B's own service, forwarded, is B's as provider too when only that side is asked.
          const selfCalls =
            role === 'provider' && who === 'b'
              ? generated
                  .filter(
                    (g) =>
                      g.b === 'consumer' && g.rec.providerSystemId === s.sysB && g.rec.requestOutAt !== null,
                  )
                  .map((g) => g.rec.id)
              : [];
          assert.deepEqual(
            sorted(part.map((p) => p.id)),
            sorted([...view.filter((p) => p.side === role).map((p) => p.id), ...selfCalls]),
            `${code} ${role}`,
          );
        }
      }
      // The status the party saw: a pull and an ack are A's calls; a sync call answered by A is A's answer.
      const viewA = await platformView(h.store, { systemId: s.sysA }, 'any', FROM, TO);
      const timeout = viewA.find((p) => p.side === 'provider' && p.leg === 'sync' && p.status === null);
      assert.ok(timeout, 'a call A never answered has no status on its side');
      assert.ok(
        viewA.some((p) => p.leg === 'ack' && p.status === 200),
        "viewA.some((p) => p.leg === 'ack' && p.status === 200)",
      );
      assert.ok(
        viewA.some((p) => p.leg === 'intake' && p.status === 202),
        "viewA.some((p) => p.leg === 'intake' && p.status === 202)",
      );
    });

    for (const form of ['transactionId', 'timeService'] as Form[]) {
      for (const [label, party, role] of [
        ['system A', () => ({ systemId: s.sysA }), 'any'],
        ['organization B', () => ({ organizationCode: B_CODE }), 'any'],
        ['system A as provider', () => ({ systemId: s.sysA }), 'provider'],
      ] as Array<[string, () => Party, PartyRole]>) {
        test(`a divergent file (${form}, ${label}) gives exactly the planted differences`, async () => {
          const view = await platformView(h.store, party(), role, FROM, TO);
          assert.ok(view.length >= 40, `${view.length} records in view`);
          const [k, j, m] = [7, 5, 6];
          const planted = plant(view, form, k, j, m, view.length);
          const result = await reconcile(h.store, {
            party: party(),
            role,
            from: FROM,
            to: TO,
            csv: planted.csv,
          });
          assert.equal(result.form, form);
          assert.deepEqual(result.counts, {
            platform: view.length,
            party: view.length - k + j,
            matched: view.length - k - m,
            missingOnParty: k,
            missingOnPlatform: j,
            statusMismatch: m,
          });
          assert.deepEqual(sorted(result.missingOnParty.map((p) => p.id)), sorted(planted.dropped));
          assert.deepEqual(
            result.missingOnPlatform.map((e) => e.line),
            planted.extraLines,
          );
          assert.deepEqual(
            sorted(result.statusMismatch.map((x) => `${x.platform.id}@${x.party.line}`)),
            sorted([...planted.changed].map(([id, line]) => `${id}@${line}`)),
          );
          for (const x of result.matched) {
            if (form === 'transactionId') assert.equal(x.party.transactionId, x.platform.id);
            else assert.equal(x.party.time, x.platform.time);
          }
          // The untouched file matches whole.
          const clean = plant(view, form, 0, 0, 0, 1);
          const all = await reconcile(h.store, { party: party(), role, from: FROM, to: TO, csv: clean.csv });
          assert.equal(all.counts.matched, view.length);
          assert.equal(
            all.counts.missingOnParty + all.counts.missingOnPlatform + all.counts.statusMismatch,
            0,
          );
        });
      }
    }

    test('time form: a party clock off by up to the tolerance still matches; beyond it does not', async () => {
      const view = await platformView(h.store, { systemId: s.sysA }, 'consumer', FROM, TO);
      const shifted = (ms: number) =>
        `time,service,status\n${view.map((p) => `${new Date(Date.parse(p.time) + ms).toISOString()},${p.service},${p.status}`).join('\n')}\n`;
      const near = await reconcile(h.store, {
        party: { systemId: s.sysA },
        role: 'consumer',
        from: FROM,
        to: TO,
        csv: shifted(1800),
      });
      assert.equal(near.counts.matched, view.length);
      const far = await reconcile(h.store, {
        party: { systemId: s.sysA },
        role: 'consumer',
        from: FROM,
        to: TO,
        csv: shifted(2600),
        toleranceMs: 2500,
      });
      assert.equal(far.counts.matched, 0);
      assert.equal(far.counts.missingOnParty, view.length);
      assert.equal(far.counts.missingOnPlatform, view.length);
    });

    test('at most two reconciliations run at once on a node; a third is refused with Retry-After, then runs', async () => {
      // Each runs on a thread that may take gigabytes: a burst of uploads must not take the node's memory.
      const view = await platformView(h.store, { systemId: s.sysA }, 'consumer', FROM, TO);
      const csv = `time,service,status\n${view.map((p) => `${p.time},${p.service},${p.status}`).join('\n')}\n`;
      const input = { party: { systemId: s.sysA }, role: 'consumer' as const, from: FROM, to: TO, csv };
      const outcomes = await Promise.allSettled([
        reconcile(h.store, input),
        reconcile(h.store, input),
        reconcile(h.store, input),
      ]);
      const refused = outcomes.filter((o) => o.status === 'rejected');
      assert.equal(refused.length, 1, 'exactly one of three at once is refused');
      const err = (refused[0] as PromiseRejectedResult).reason as LgspError;
      assert.equal(err.code, 'RP_RECONCILIATION_BUSY', String(err));
      assert.equal(err.extra?.['retryAfterSeconds'], 60, 'the refusal says when to come back');
      for (const o of outcomes)
        if (o.status === 'fulfilled')
          assert.equal(o.value.counts.matched, view.length, 'the others ran whole');
      const later = await reconcile(h.store, input);
      assert.equal(later.counts.matched, view.length, 'once they are done, the next one runs');
    });

    test('API: the operator reconciles any party; JSON and the CSV of differences', async () => {
      const view = await platformView(h.store, { systemId: s.sysB }, 'any', FROM, TO);
      const planted = plant(view, 'transactionId', 3, 2, 4, 7);
      const body = { systemId: s.sysB, from: FROM, to: TO, csv: planted.csv };
      const res = await h.call('POST', '/api/v1/reconciliations', body);
      assert.equal(res.statusCode, 200, res.body);
      const json = res.json();
      assert.equal(json.counts.missingOnParty, 3);
      assert.equal(json.counts.missingOnPlatform, 2);
      assert.equal(json.counts.statusMismatch, 4);
      assert.equal(json.matched, undefined, 'matched pairs only on request');
      const withMatched = await h.call('POST', '/api/v1/reconciliations', { ...body, includeMatched: true });
      assert.equal(withMatched.json().matched.length, view.length - 7);

      const csv = await h.call('POST', '/api/v1/reconciliations?format=csv', body);
      assert.equal(csv.statusCode, 200, csv.body);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      assert.match(String(csv.headers['content-disposition']), /attachment; filename="doi-soat-/);
      const lines = csv.body
        .replace(/^\uFEFF/, '')
        .trimEnd()
        .split('\r\n');
      assert.match(lines[0]!, /^Loại chênh lệch/);
      assert.equal(lines.length, 1 + 3 + 2 + 4);
      assert.equal(lines.filter((l) => l.startsWith('Lệch trạng thái')).length, 4);
    });

    test('API: a spreadsheet file (BOM, CRLF, a note with a quoted line break, commas, doubled quotes) reads right', async () => {
      const view = await platformView(h.store, { systemId: s.sysB }, 'any', FROM, TO);
      const planted = plant(view, 'transactionId', 3, 2, 4, 11);
      const notes = ['dòng một\r\ndòng hai', 'có dấu phẩy, và "ngoặc kép"', '', '"trích"\nhết'];
      const quoted = (v: string) => `"${v.replaceAll('"', '""')}"`;
      const [, ...rows] = planted.csv.trimEnd().split('\n');
      // Each record starts where the line breaks inside the notes before it have pushed it.
      let line = 2;
      const lineOf = new Map<number, number>();
      const body = rows.map((row, i) => {
        const note = notes[i % notes.length]!;
        lineOf.set(i + 2, line);
        line += 1 + (note.match(/\n/g)?.length ?? 0);
        return `${row},${quoted(note)}`;
      });
      const csv = `\uFEFFMã giao dịch,Trạng thái,"Ghi chú, nếu có"\r\n${body.join('\r\n')}\r\n`;
      const res = await h.call('POST', '/api/v1/reconciliations', {
        systemId: s.sysB,
        from: FROM,
        to: TO,
        csv,
      });
      assert.equal(res.statusCode, 200, res.body);
      const json = res.json();
      assert.deepEqual(
        [json.counts.missingOnParty, json.counts.missingOnPlatform, json.counts.statusMismatch],
        [3, 2, 4],
      );
      assert.deepEqual(
        sorted(json.missingOnPlatform.map((e: { line: number }) => e.line)),
        sorted(planted.extraLines.map((l) => lineOf.get(l)!)),
      );
      assert.deepEqual(
        sorted(json.statusMismatch.map((m: { party: { line: number } }) => m.party.line)),
        sorted([...planted.changed.values()].map((l) => lineOf.get(l)!)),
      );

      // The differences file reads back, cell for cell, as what the JSON says.
      const file = await h.call('POST', '/api/v1/reconciliations?format=csv', {
        systemId: s.sysB,
        from: FROM,
        to: TO,
        csv,
      });
      assert.ok(file.body.startsWith('\uFEFF'), "file.body.startsWith('\\uFEFF')");
      const cells = parse(file.body, { bom: true }) as string[][];
      assert.deepEqual(cells[0], DIFFERENCE_HEADINGS);
      const mismatch = cells.filter((c) => c[0] === DIFFERENCE_KINDS.statusMismatch);
      assert.deepEqual(
        sorted(mismatch.map((c) => `${c[1]}|${c[7]}|${c[8]}|${c[9]}|${c[12]}`)),
        sorted(
          json.statusMismatch.map(
            (m: {
              platform: PlatformEntry;
              party: { line: number; transactionId: string; status: number | null };
            }) =>
              `${m.platform.id}|${m.platform.status ?? ''}|${m.party.line}|${m.party.transactionId}|${m.party.status ?? ''}`,
          ),
        ),
      );
    });

    test('API: times written as the platform shows them, dd/mm/yyyy HH:mm:ss Vietnam time, match (R-23)', async () => {
      // What a Vietnamese spreadsheet exports and what the platform itself shows people: no zone, local time.
      const view = await platformView(h.store, { systemId: s.sysA }, 'consumer', FROM, TO);
      const local = (iso: string) => {
        const d = new Date(Date.parse(iso) + 7 * 3_600_000);
        const two = (n: number) => String(n).padStart(2, '0');
        return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
      };
      const csv = `thoi_gian,dich_vu,trang_thai\n${view.map((p) => `${local(p.time)},${p.service},${p.status}`).join('\n')}\n`;
      const res = await h.call('POST', '/api/v1/reconciliations', {
        systemId: s.sysA,
        role: 'consumer',
        from: FROM,
        to: TO,
        csv,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().counts.matched, view.length, 'every line matched, read as UTC+7');
      assert.equal(res.json().counts.missingOnPlatform, 0, 'no line read at the wrong hour');
    });

    test('API: an agency reconciles only its own organization; auditors not at all', async () => {
      const csv = 'ma_giao_dich\n';
      const as = (token: string, body: Record<string, unknown>) =>
        h.call('POST', '/api/v1/reconciliations', { from: FROM, to: TO, csv, ...body }, { token });
      const own = await as(agencyToken, { systemId: s.sysA });
      assert.equal(own.statusCode, 200, own.body);
      assert.equal(own.json().counts.missingOnParty, own.json().counts.platform);
      assert.ok(own.json().counts.platform > 0, 'own.json().counts.platform > 0');
      assert.equal((await as(agencyToken, { organizationCode: A_CODE })).statusCode, 200);
      // Another organization's system is not public: the same answer as an id that does not exist.
      const theirs = await as(agencyToken, { systemId: s.sysB });
      const madeUp = await as(agencyToken, { systemId: 'sys_khongco' });
      assert.equal(theirs.statusCode, 404, theirs.body);
      assert.equal(theirs.json().code, 'CP_SYSTEM_NOT_FOUND');
      assert.equal(
        withoutRequestId(theirs.body.replaceAll(s.sysB, 'ID')),
        withoutRequestId(madeUp.body.replaceAll('sys_khongco', 'ID')),
        'nothing tells the two apart but the id',
      );
      // Organizations are public: another one's code is refused.
      const otherOrg = await as(agencyToken, { organizationCode: B_CODE });
      assert.equal(otherOrg.statusCode, 403, otherOrg.body);
      assert.equal(otherOrg.json().code, 'API_FORBIDDEN');
      const auditor = await as(auditorToken, { systemId: s.sysA });
      assert.equal(auditor.statusCode, 403);
      const both = await as(h.token, { systemId: s.sysA, organizationCode: A_CODE });
      assert.equal(both.statusCode, 400);
      assert.equal(both.json().code, 'API_VALIDATION_FAILED');
      const unknown = await as(h.token, { systemId: 'sys_nope' });
      assert.equal(unknown.statusCode, 404);
    });

    test('API: a malformed line refuses the whole file, naming the line; nothing partial', async () => {
      const view = await platformView(h.store, { systemId: s.sysA }, 'any', FROM, TO);
      const good = view.slice(0, 5).map((p) => `${p.id},${p.status ?? ''}`);
      const bad = ['transactionId,status', good[0], good[1], `${view[2]!.id},2OO`, good[3]].join('\n');
      const res = await h.call('POST', '/api/v1/reconciliations', {
        systemId: s.sysA,
        from: FROM,
        to: TO,
        csv: bad,
      });
      assert.equal(res.statusCode, 400, res.body);
      const problem = res.json();
      assert.equal(problem.code, 'RP_RECONCILIATION_FILE_INVALID');
      assert.match(problem.detail, /line 4:/);
      assert.deepEqual(
        problem.lines.map((l: { line: number }) => l.line),
        [4],
      );
      assert.equal(problem.counts, undefined);

      const noHeader = await h.call('POST', '/api/v1/reconciliations', {
        systemId: s.sysA,
        from: FROM,
        to: TO,
        csv: 'foo,bar\n1,2\n',
      });
      assert.equal(noHeader.statusCode, 400);
      assert.deepEqual(noHeader.json().lines, [{ line: 1, message: noHeader.json().lines[0].message }]);
      const period = await h.call('POST', '/api/v1/reconciliations', {
        systemId: s.sysA,
        from: TO,
        to: FROM,
        csv: 'time,service\n',
      });
      assert.equal(period.json().code, 'RP_RECONCILIATION_PERIOD_INVALID');
    });
  });
}

describe('the party file', () => {
  const fails = (
    csv: string,
    period?: { fromMs: number; toMs: number; toleranceMs: number },
    localOffsetMinutes?: number,
  ) => {
    try {
      parsePartyFile(csv, period, localOffsetMinutes);
    } catch (err) {
      assert.ok(err instanceof LgspError, 'err instanceof LgspError');
      return err;
    }
    assert.fail('expected a refusal');
  };

  test('header names, Vietnamese or English, decide the form; BOM, CRLF, quotes, blank lines, extra columns', () => {
    const a = parsePartyFile('\uFEFFSTT,Mã giao dịch,Trạng thái\r\n1,txn_1,200\r\n\r\n2,"txn_2",\r\n');
    assert.equal(a.form, 'transactionId');
    const b = parsePartyFile('stt,ma_giao_dich,trang_thai\r\n1,txn_1,200\r\n\r\n2,"txn_2",\r\n');
    assert.deepEqual(a.entries, b.entries);
    assert.deepEqual(b.entries, [
      { line: 2, transactionId: 'txn_1', status: 200 },
      { line: 4, transactionId: 'txn_2', status: null },
    ]);
    const c = parsePartyFile('Time,Service,Status\n2025-03-01T07:00:00+07:00,hotich/1.0,404\n');
    assert.equal(c.form, 'timeService');
    assert.deepEqual(c.entries, [
      { line: 2, time: '2025-03-01T00:00:00.000Z', service: 'hotich/1.0', status: 404 },
    ]);
  });

  test('RFC 4180 quoting: line breaks, commas and doubled quotes inside quotes; a record is numbered where it starts', () => {
    const file = parsePartyFile(
      '\uFEFFGhi chú,ma_giao_dich,trang_thai\r\n' +
        '"hai\r\ndòng",txn_1,200\r\n' +
        '"dấu phẩy, và ""ngoặc kép""",txn_2,\r\n' +
        '\r\n' +
        '"ba\ndòng\nở đây",  "txn_3" ,404\n' +
        'không ngoặc,txn_4,500',
    );
    assert.deepEqual(file.entries, [
      { line: 2, transactionId: 'txn_1', status: 200 },
      { line: 4, transactionId: 'txn_2', status: null },
      { line: 6, transactionId: 'txn_3', status: 404 },
      { line: 9, transactionId: 'txn_4', status: 500 },
    ]);
    // The platform's own writer and this reader agree: what csvFile writes reads back the same.
    const notes = ['một\r\nhai', 'a, "b", c', '"', '\n'];
    const written = csvFile([
      ['ma_giao_dich', 'ghi_chu', 'trang_thai'],
      ...notes.map((note, i) => [`txn_${i}`, note, 200 + i]),
    ]);
    assert.ok(
      written.startsWith('\uFEFF') && written.endsWith('\r\n'),
      "written.startsWith('\\uFEFF') && written.endsWith('\\r\\n')",
    );
    assert.deepEqual(
      parsePartyFile(written).entries.map((e) => [e.transactionId, e.status]),
      notes.map((_, i) => [`txn_${i}`, 200 + i]),
    );
  });

  test('broken quoting refuses the file at the line where the record starts', () => {
    const unclosed = fails('ma_giao_dich,ghi_chu\ntxn_1,ok\ntxn_2,"không đóng\ntxn_3,x\n');
    assert.deepEqual(unclosed.extra['lines'], [
      { line: 3, message: 'dấu ngoặc kép mở nhưng không đóng / a quote is opened and never closed' },
    ]);
    const stray = fails('ghi_chu,ma_giao_dich\n"a\nb",txn_1\nab"c,txn_2\n');
    assert.equal(stray.detail, 'dòng / line 4: dấu ngoặc kép không hợp lệ / broken quoting');
    const wide = fails('ma_giao_dich\ntxn_1,"x,y"\n');
    assert.match(wide.detail ?? '', /line 2: 2 cột, tiêu đề có 1/);
  });

  test('dd/mm/yyyy HH:mm:ss is read in the platform’s local time only when it is given; a day that does not exist is refused', () => {
    const csv =
      'thoi_gian,dich_vu,trang_thai\n01/03/2025 07:00:00,hotich/1.0,404\n1/3/2025 07:00:05.5,hotich/1.0,\n';
    assert.deepEqual(parsePartyFile(csv, undefined, 420).entries, [
      { line: 2, time: '2025-03-01T00:00:00.000Z', service: 'hotich/1.0', status: 404 },
      { line: 3, time: '2025-03-01T00:00:05.500Z', service: 'hotich/1.0', status: null },
    ]);
    assert.equal(
      fails(csv).code,
      'RP_RECONCILIATION_FILE_INVALID',
      'without the offset a time needs its zone',
    );
    const noSuchDay = fails(
      'thoi_gian,dich_vu\n31/02/2025 07:00:00,hotich/1.0\n25/03/2025 24:00:00,hotich/1.0\n',
      undefined,
      420,
    );
    assert.deepEqual(
      (noSuchDay.extra['lines'] as Array<{ line: number }>).map((l) => l.line),
      [2, 3],
      '31/02 and 24:00 are refused, not rolled over',
    );
  });

  test('every malformed line is named (up to 20), and a time needs a zone and the period', () => {
    const e = fails(
      'thoi_gian,dich_vu\n2025-03-01T00:00:00,hotich/1.0\n2025-03-01T00:00:00Z,hotich\n2025-03-01T00:00:00Z,hotich/1.0\n',
    );
    assert.equal(e.code, 'RP_RECONCILIATION_FILE_INVALID');
    assert.deepEqual(
      (e.extra['lines'] as Array<{ line: number }>).map((l) => l.line),
      [2, 3],
    );
    const outside = fails('time,service\n2025-03-02T00:00:03Z,hotich/1.0\n', {
      fromMs: T0,
      toMs: T0 + 86_400_000,
      toleranceMs: 2000,
    });
    assert.match(outside.detail ?? '', /line 2: .*outside the period/);
    const dup = fails('transactionId\ntxn_1\ntxn_1\n');
    assert.match(dup.detail ?? '', /line 3: .*duplicate of line 2/);
    const many = fails(`transactionId,status\n${'txn_x,abc\n'.repeat(30)}`);
    assert.equal((many.extra['lines'] as unknown[]).length, 20);
    assert.match(many.detail ?? '', /\(\+10\)$/);
  });

  test('a line longer than any real one is refused where it passes the bound, not parsed whole', () => {
    for (const [name, line] of [
      ['one 60 MB field', `"${'a'.repeat(60_000_000)}"`],
      ['30 million fields', ','.repeat(30_000_000)],
    ]) {
      const started = performance.now();
      const e = fails(`ma_giao_dich,trang_thai\ntxn_1,200\n${line}\ntxn_2,200\n`);
      const ms = performance.now() - started;
      assert.equal(e.code, 'RP_RECONCILIATION_FILE_INVALID', name);
      assert.deepEqual(
        e.extra['lines'],
        [
          {
            line: 3,
            message: `dòng dài hơn ${CSV_RECORD_MAX_CHARS} ký tự / a record longer than ${CSV_RECORD_MAX_CHARS} characters`,
          },
        ],
        name,
      );
      // Parsed whole, the 30 million fields held the event loop 13 s on the test machine.
      assert.ok(ms < 1500, `${name}: ${Math.round(ms)} ms`);
    }
  });

  test(`more than ${MAX_FILE_LINES} lines is refused whole`, () => {
    const e = fails(`transactionId\n${'txn_1\n'.repeat(MAX_FILE_LINES + 1)}`);
    assert.equal(e.code, 'RP_RECONCILIATION_FILE_TOO_LARGE');
    assert.equal(parsePartyFile(`transactionId\n${'txn_1\n'.repeat(0)}`).entries.length, 0);
  });
});

describe('lgsp reconcile', () => {
  let h: AdminHarness;
  let url: string;
  let dir: string;
  let s: Systems;

  before(async () => {
    h = await openAdminHarness('pglite', { startMs: Date.now() });
    s = await seedParties(h);
    await insertTransactions(
      h.store,
      history(s, 7).map((g) => g.rec),
    );
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    dir = mkdtempSync(join(tmpdir(), 'lgsp-reconcile-'));
  });
  after(async () => {
    await h?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('prints the summary and the differences, and writes them with --out', async () => {
    const view = await platformView(h.store, { systemId: s.sysA }, 'any', FROM, TO);
    const planted = plant(view, 'timeService', 2, 1, 3, 11);
    const file = join(dir, 'ben-a.csv');
    const out = join(dir, 'chenh-lech.csv');
    writeFileSync(file, planted.csv);
    const env = adminEnv(url, h.token, dir);
    const {
      code,
      out: stdout,
      err: stderr,
    } = await runCli(
      ['reconcile', '--system', s.sysA, '--from', FROM, '--to', TO, '--file', file, '--out', out],
      env,
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`Khớp / Matched\\s+${view.length - 5}\\n`));
    assert.match(stdout, /Bên đối soát thiếu \/ Missing on party\s+2\n/);
    assert.match(stdout, /LGSP không có \/ Missing on platform\s+1\n/);
    assert.match(stdout, /Lệch trạng thái \/ Status mismatch\s+3\n/);
    for (const id of planted.dropped) assert.ok(stdout.includes(id), id);
    const written = readFileSync(out, 'utf8')
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    assert.equal(written.length, 1 + 2 + 1 + 3);

    const badFile = join(dir, 'sai.csv');
    writeFileSync(
      badFile,
      'thoi_gian,dich_vu\n2025-03-01T00:00:05Z,hotich/1.0\n2025-03-01 00:00:06,hotich/1.0\n',
    );
    const { code: bad, err: badErr } = await runCli(
      ['reconcile', '--system', s.sysA, '--from', FROM, '--to', TO, '--file', badFile],
      env,
    );
    assert.equal(bad, 1);
    assert.match(badErr, /RP_RECONCILIATION_FILE_INVALID/);
    assert.match(badErr, /line 3:/);

    const usage = (await runCli(['reconcile', '--from', FROM, '--to', TO, '--file', file], env)).code;
    assert.equal(usage, 2);
  });
});
