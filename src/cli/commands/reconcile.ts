import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PARTY_ROLES } from '../../api/contract/index.ts';
import { differencesCsv, type PlatformEntry, type Reconciliation } from '../../reports/reconciliation.ts';
import { NO_SERVICE_LABELS } from '../../reports/statistics.ts';
import {
  bool,
  isOneOf,
  PERIOD_NOTE,
  PERIOD_SYNOPSIS,
  str,
  textOptions,
  UsageError,
  vietnamInstant,
  vietnamPeriodEnd,
} from '../args.ts';
import type { Subcommand } from '../command.ts';
import { type Cell, count, fields, table, time } from '../format.ts';

/** How many differences of each kind are printed; all of them go to --out. */
const SHOWN = 50;

/** One kind of difference under its heading, the first SHOWN of them; nothing when there are none. */
function section<T>(heading: string, headers: string[], items: T[], row: (item: T) => Cell[]): string {
  if (items.length === 0) return '';
  const more =
    items.length > SHOWN
      ? `… +${count(items.length - SHOWN)} (--out <tệp/file>.csv để có đủ / for all of them)\n`
      : '';
  return `\n${heading}:\n${table(headers, items.slice(0, SHOWN).map(row))}${more}`;
}

/** A record's service, or what a token request is (no service of its own), in both languages. */
function serviceOf(p: Pick<PlatformEntry, 'kind' | 'service'>): string | null {
  return p.kind === 'token_request' ? NO_SERVICE_LABELS.token_request : p.service;
}

/**
 * `lgsp reconcile`: sends a party's own list of transactions (CSV, docs/reconciliation.md) and prints the match
 * against the platform's records — the summary first, then the differences, Vietnamese first.
 */
export const reconcile: Subcommand = {
  synopsis:
    `(--system <id> | --org <mã cơ quan>) ${PERIOD_SYNOPSIS} --file <csv> [--role consumer|provider|any] ` +
    '[--tolerance-seconds 2] [--include-token-requests] [--out chenh-lech.csv]',
  summary:
    'Đối soát giao dịch với tệp CSV của bên đối soát (R-23) / Reconcile a party CSV against the platform ' +
    `(--from/--to: ${PERIOD_NOTE})`,
  options: {
    ...textOptions('system', 'org', 'from', 'to', 'file', 'role', 'tolerance-seconds', 'out'),
    // The API's includeTokenRequests: the party's service calls only unless asked (docs/reconciliation.md).
    'include-token-requests': { type: 'boolean' },
  },
  async run(ctx) {
    const v = ctx.values;
    const system = str(v, 'system');
    const org = str(v, 'org');
    if ((system === undefined) === (org === undefined)) {
      throw new UsageError('Cần đúng một trong --system, --org / Exactly one of --system, --org', ctx.usage);
    }
    const need = (name: string) => {
      const value = str(v, name);
      if (!value) throw new UsageError(`Thiếu / Missing --${name}`, ctx.usage);
      return value;
    };
    const from = vietnamInstant(need('from'), 'from');
    const to = vietnamPeriodEnd(need('to'), 'to');
    const file = need('file');
    const role = str(v, 'role');
    if (role !== undefined && !isOneOf(role, PARTY_ROLES)) {
      throw new UsageError(`--role: consumer | provider | any: ${role}`, ctx.usage);
    }
    const tolerance = str(v, 'tolerance-seconds');
    if (tolerance !== undefined && !/^\d+(\.\d+)?$/.test(tolerance)) {
      throw new UsageError(
        `--tolerance-seconds: cần số ≥ 0 / expected a number ≥ 0: ${tolerance}`,
        ctx.usage,
      );
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new UsageError(
        `Không đọc được / Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        ctx.usage,
      );
    }
    // The file goes as it is (multipart/form-data, issue 11), as the console sends it: the platform decodes it on
    // the reconciliation's thread, where a JSON string of 64 MB would be parsed on the event loop that also serves
    // the gateway. The other fields are form fields.
    const form = new FormData();
    const asked: Record<string, string | undefined> = {
      systemId: system,
      organizationCode: org,
      from,
      to,
      role,
      toleranceSeconds: tolerance,
    };
    for (const [name, value] of Object.entries(asked)) if (value !== undefined) form.append(name, value);
    form.append('file', new Blob([bytes], { type: 'text/csv' }), basename(file));
    // The contract types a record's `leg` and `side` as text where the CSV writer takes the domain's values; the
    // platform answers only those, so the answer is the domain's Reconciliation (without the matched pairs).
    const result = (await ctx.api.upload('reconcileTransactions', {
      form,
      // A query parameter, not a form field: the API reads it so for every form of upload.
      query: { includeTokenRequests: bool(v, 'include-token-requests') || undefined },
    })) as Omit<Reconciliation, 'matched'>;
    const out = str(v, 'out');
    if (out) writeFileSync(out, differencesCsv(result));
    ctx.print(result, () => {
      const c = result.counts;
      const parts = [
        fields([
          ['Bên đối soát / Party', system ?? org ?? ''],
          ['Kỳ / Period', `${time(result.from)} → ${time(result.to)}`],
          [
            'Dạng tệp / File form',
            result.form === 'transactionId'
              ? 'theo mã giao dịch / by transaction id'
              : `theo thời gian + dịch vụ (±${result.toleranceMs / 1000} s) / by time + service`,
          ],
          [
            'Đối soát / Reconciled',
            result.includeTokenRequests
              ? 'lời gọi dịch vụ và yêu cầu cấp token (/token) / service calls and token requests'
              : 'lời gọi dịch vụ / service calls',
          ],
          ['Giao dịch LGSP / Platform records', count(c.platform)],
          ['Dòng trong tệp / File lines', count(c.party)],
          ['Khớp / Matched', count(c.matched)],
          ['Bên đối soát thiếu / Missing on party', count(c.missingOnParty)],
          ['LGSP không có / Missing on platform', count(c.missingOnPlatform)],
          ['Lệch trạng thái / Status mismatch', count(c.statusMismatch)],
        ]),
      ];
      parts.push(
        section(
          'Bên đối soát thiếu (LGSP có) / Missing on party (the platform has them)',
          ['Mã giao dịch / Id', 'Chặng / Leg', 'Phía / Side', 'Thời điểm / Time', 'Dịch vụ / Service', 'KQ'],
          result.missingOnParty,
          (p) => [p.id, p.leg, p.side, time(p.time), serviceOf(p), p.status],
        ),
        section(
          'LGSP không có (trong tệp) / Missing on platform (in the file)',
          ['Dòng / Line', 'Mã giao dịch / Id', 'Thời điểm / Time', 'Dịch vụ / Service', 'KQ'],
          result.missingOnPlatform,
          (e) => [e.line, e.transactionId ?? null, e.time ? time(e.time) : null, e.service ?? null, e.status],
        ),
        section(
          'Lệch trạng thái / Status mismatch',
          ['Dòng / Line', 'Mã giao dịch / Id', 'Thời điểm / Time', 'Dịch vụ / Service', 'LGSP', 'Tệp / File'],
          result.statusMismatch,
          (m) => [
            m.party.line,
            m.platform.id,
            time(m.platform.time),
            serviceOf(m.platform),
            m.platform.status,
            m.party.status,
          ],
        ),
      );
      if (out) parts.push(`\nĐã ghi các chênh lệch / Differences written to: ${out}\n`);
      return parts.join('');
    });
    return 0;
  },
};
