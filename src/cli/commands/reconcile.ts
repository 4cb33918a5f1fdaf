import { readFileSync, writeFileSync } from 'node:fs';
import { PARTY_ROLES } from '../../api/contract/index.ts';
import { differencesCsv, type Reconciliation } from '../../reports/reconciliation.ts';
import { isOneOf, str, UsageError } from '../args.ts';
import type { Subcommand } from '../command.ts';
import { fields, table, time } from '../format.ts';

/** How many differences of each kind are printed; all of them go to --out. */
const SHOWN = 50;

/**
 * `lgsp reconcile`: sends a party's own list of transactions (CSV, docs/reconciliation.md) and prints the match
 * against the platform's records — the summary first, then the differences, Vietnamese first.
 */
export const reconcile: Subcommand = {
  synopsis:
    '(--system <id> | --org <mã cơ quan>) --from <ISO> --to <ISO> --file <csv> [--role consumer|provider|any] ' +
    '[--tolerance-seconds 2] [--out chenh-lech.csv]',
  summary:
    'Đối soát giao dịch với tệp CSV của bên đối soát (R-23) / Reconcile a party CSV against the platform',
  options: {
    system: { type: 'string' },
    org: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    file: { type: 'string' },
    role: { type: 'string' },
    'tolerance-seconds': { type: 'string' },
    out: { type: 'string' },
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
    const from = need('from');
    const to = need('to');
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
    let csv: string;
    try {
      csv = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `Không đọc được / Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        ctx.usage,
      );
    }
    // The contract types a record's `leg` and `side` as text where the CSV writer takes the domain's values; the
    // platform answers only those, so the answer is the domain's Reconciliation (without the matched pairs).
    const result = (await ctx.api.call('reconcileTransactions', {
      body: {
        ...(system !== undefined ? { systemId: system } : { organizationCode: org! }),
        from,
        to,
        csv,
        ...(role ? { role } : {}),
        ...(tolerance !== undefined ? { toleranceSeconds: Number(tolerance) } : {}),
      },
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
          ['Giao dịch LGSP / Platform records', c.platform],
          ['Dòng trong tệp / File lines', c.party],
          ['Khớp / Matched', c.matched],
          ['Bên đối soát thiếu / Missing on party', c.missingOnParty],
          ['LGSP không có / Missing on platform', c.missingOnPlatform],
          ['Lệch trạng thái / Status mismatch', c.statusMismatch],
        ]),
      ];
      const more = (n: number) =>
        n > SHOWN ? `… +${n - SHOWN} (--out <tệp/file>.csv để có đủ / for all of them)\n` : '';
      if (result.missingOnParty.length > 0) {
        parts.push(
          '\nBên đối soát thiếu (LGSP có) / Missing on party (the platform has them):\n' +
            table(
              [
                'Mã giao dịch / Id',
                'Chặng / Leg',
                'Phía / Side',
                'Thời điểm / Time',
                'Dịch vụ / Service',
                'KQ',
              ],
              result.missingOnParty
                .slice(0, SHOWN)
                .map((p) => [p.id, p.leg, p.side, time(p.time), p.service, p.status]),
            ) +
            more(result.missingOnParty.length),
        );
      }
      if (result.missingOnPlatform.length > 0) {
        parts.push(
          '\nLGSP không có (trong tệp) / Missing on platform (in the file):\n' +
            table(
              ['Dòng / Line', 'Mã giao dịch / Id', 'Thời điểm / Time', 'Dịch vụ / Service', 'KQ'],
              result.missingOnPlatform
                .slice(0, SHOWN)
                .map((e) => [
                  e.line,
                  e.transactionId ?? null,
                  e.time ? time(e.time) : null,
                  e.service ?? null,
                  e.status,
                ]),
            ) +
            more(result.missingOnPlatform.length),
        );
      }
      if (result.statusMismatch.length > 0) {
        parts.push(
          '\nLệch trạng thái / Status mismatch:\n' +
            table(
              [
                'Dòng / Line',
                'Mã giao dịch / Id',
                'Thời điểm / Time',
                'Dịch vụ / Service',
                'LGSP',
                'Tệp / File',
              ],
              result.statusMismatch
                .slice(0, SHOWN)
                .map((m) => [
                  m.party.line,
                  m.platform.id,
                  time(m.platform.time),
                  m.platform.service,
                  m.platform.status,
                  m.party.status,
                ]),
            ) +
            more(result.statusMismatch.length),
        );
      }
      if (out) parts.push(`\nĐã ghi các chênh lệch / Differences written to: ${out}\n`);
      return parts.join('');
    });
    return 0;
  },
};
