import { writeFileSync } from 'node:fs';
import { formatPercent } from '../../core/percent.ts';
import {
  DIMENSION_HEADINGS,
  type Statistics,
  statisticsCsv,
  statisticsTitle,
  statisticsXlsx,
} from '../../reports/statistics.ts';
import { bool, PERIOD_NOTE, PERIOD_SYNOPSIS, str, textOptions, UsageError, vietnamPeriod } from '../args.ts';
import type { Group } from '../command.ts';
import { count, table, time } from '../format.ts';

const pct = (rate: number | null) =>
  rate === null ? null : formatPercent(rate, { fractionDigits: 2, fixed: true }).vi;

/** `lgsp report statistics`: R-07 statistics from the admin API; printed, or written as CSV/XLSX (docs/reports.md). */
export const reportCommands: Group = {
  name: 'report',
  summary: 'Thống kê, báo cáo giao dịch (R-07) / Statistics and reports',
  subcommands: {
    statistics: {
      synopsis:
        `${PERIOD_SYNOPSIS} [--group-by service,version] [--org <mã cơ quan>] [--system <id>] ` +
        '[--role consumer|provider|any] [--service <id>] [--version <id>] [--environment <env>] ' +
        '[--include-token-requests] [--include-platform-calls] [--utc-offset 7] [--format csv|xlsx --out <tệp/file>]',
      summary:
        'Số lượt gọi, bị từ chối, lỗi, tỉ lệ thành công, độ trễ, dung lượng theo nhóm / Calls, refused, errors, ' +
        `success rate, latency, volume by group (--from/--to: ${PERIOD_NOTE})`,
      options: {
        ...textOptions(
          'from',
          'to',
          'group-by',
          'org',
          'system',
          'role',
          'service',
          'version',
          'environment',
          'utc-offset',
          'format',
          'out',
        ),
        // The API's includeTokenRequests and includePlatformCalls: service calls only unless asked (docs/reports.md).
        'include-token-requests': { type: 'boolean' },
        'include-platform-calls': { type: 'boolean' },
      },
      async run(ctx) {
        const v = ctx.values;
        const format = str(v, 'format');
        const out = str(v, 'out');
        if (format !== undefined && format !== 'csv' && format !== 'xlsx') {
          throw new UsageError(`--format: csv | xlsx: ${format}`, ctx.usage);
        }
        if ((format === undefined) !== (out === undefined)) {
          throw new UsageError('--format và --out đi cùng nhau / --format and --out go together', ctx.usage);
        }
        const offset = str(v, 'utc-offset');
        if (offset !== undefined && !/^[+-]?\d{1,2}$/.test(offset)) {
          throw new UsageError(`--utc-offset: số giờ / whole hours: ${offset}`, ctx.usage);
        }
        // The contract types `groupBy` as text where the report writers take its dimensions; the platform
        // answers only dimensions it knows, so the answer is the domain's Statistics.
        const result = (await ctx.api.call('getStatistics', {
          query: {
            ...vietnamPeriod(v, ctx.usage),
            groupBy: str(v, 'group-by'),
            organizationCode: str(v, 'org'),
            systemId: str(v, 'system'),
            role: str(v, 'role'),
            serviceId: str(v, 'service'),
            versionId: str(v, 'version'),
            environment: str(v, 'environment'),
            includeTokenRequests: bool(v, 'include-token-requests') || undefined,
            includePlatformCalls: bool(v, 'include-platform-calls') || undefined,
            utcOffsetHours: offset !== undefined ? Number(offset) : undefined,
          },
        })) as Statistics;
        if (out) {
          writeFileSync(out, format === 'xlsx' ? await statisticsXlsx(result) : statisticsCsv(result));
        }
        ctx.print(result, () => {
          const dims = result.groupBy;
          const rows = [
            ...result.rows.map((r) => [...dims.map((d) => r.label[d] ?? ''), ...cells(r)]),
            ...(dims.length > 0
              ? [['Tổng cộng / Total', ...dims.slice(1).map(() => ''), ...cells(result.totals)]]
              : []),
          ];
          // The dimensions under the files' bilingual headings ('Dịch vụ / Service'), not their API names ('service').
          const head = [
            ...dims.map((d) => DIMENSION_HEADINGS[d]),
            'Lượt gọi / Calls',
            'Bị từ chối / Refused',
            'Lỗi / Errors',
            'Thành công / Success',
            'TB / Avg ms',
            'p95 ms',
            'Gửi+nhận / Bytes',
          ];
          const lines = [
            `${statisticsTitle(result)}\n`,
            result.rounded ? 'Kỳ đã làm tròn theo giờ / period widened to whole hours\n' : '',
            included(result),
            `Tổng hợp đến / Rollups up to: ${result.coveredUntil ? time(result.coveredUntil) : '—'}` +
              (result.rawFrom ? `; từ / from ${time(result.rawFrom)}: bản ghi gốc / raw records\n` : '\n'),
            dims.length > 0 ? table(head, rows) : table(head, [cells(result.totals)]),
            out ? `\nĐã ghi / Written: ${out}\n` : '',
          ];
          return lines.join('');
        });
        return 0;
      },
    },
  },
};

/** What was counted besides service calls, when asked (--include-token-requests, --include-platform-calls). */
function included(s: Statistics): string {
  const also = [
    ...(s.includeTokenRequests ? ['yêu cầu cấp token (/token) / token requests'] : []),
    ...(s.includePlatformCalls ? ['yêu cầu tới /_lgsp/… / platform endpoint requests'] : []),
  ];
  return also.length > 0 ? `Tính cả / Also counted: ${also.join(', ')}\n` : '';
}

/**
 * A row's figures, in the order of the files' measures: refused (the gateway's own refusals, the provider never
 * reached) apart from errors (failures of the exchange), R-07, R-23 — docs/reports.md.
 */
function cells(m: Statistics['totals']) {
  return [
    count(m.calls),
    count(m.refused),
    count(m.errors),
    pct(m.successRate),
    m.latencyAvgMs === null ? null : count(m.latencyAvgMs),
    count(m.latencyP95Ms),
    count(m.requestBytes + m.responseBytes),
  ];
}
