import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { CATEGORY_FIELD_TYPES, type CategoryField } from '../../api/contract/index.ts';
import { isOneOf, list, positiveInt, required, str, textOptions, UsageError } from '../args.ts';
import type { Context, Group } from '../command.ts';
import { callCommand, pagedListCommand } from '../command-builders.ts';
import { fields as showFields, time } from '../format.ts';

/**
 * `lgsp categories …`: the shared category lists (danh mục dùng chung, issue 12 item 7, docs/categories.md) —
 * lists, versions imported from CSV/XLSX files, local-to-national code mappings, and the built-in service
 * `/dmdc/1.0` consumers are subscribed to.
 */

/** `--field Ma:string:Mã dân tộc` → a field; the type defaults to string, the description to nothing. */
function fieldOf(spec: string, usage: string): CategoryField {
  const [name = '', type = 'string', ...rest] = spec.split(':');
  if (!isOneOf(type, CATEGORY_FIELD_TYPES)) {
    throw new UsageError(`--field ${spec}: kiểu / type ${CATEGORY_FIELD_TYPES.join(' | ')}`, usage);
  }
  return { name, type, description: rest.join(':') };
}

/** A file as the API takes it: CSV as text, XLSX as base64 — told apart by the file's extension. */
function fileBody(ctx: Context): { format: 'csv' | 'xlsx'; content: string } {
  const path = required(ctx.values, 'file', ctx.usage);
  const format = extname(path).toLowerCase() === '.xlsx' ? 'xlsx' : 'csv';
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UsageError(
      `Không đọc được / Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      ctx.usage,
    );
  }
  return { format, content: format === 'xlsx' ? bytes.toString('base64') : bytes.toString('utf8') };
}

const code = (ctx: Context) => ({ code: ctx.args[0]! });

export const categoryCommands: Group = {
  name: 'categories',
  summary: 'Danh mục dùng chung (/dmdc/1.0) / Shared category lists',
  subcommands: {
    list: pagedListCommand({
      summary: 'Các danh mục; tìm theo mã, tên / List the category lists',
      send: (ctx, query) => ctx.api.call('listCategories', { query }),
      headers: ['Mã / Code', 'Tên / Name', 'Phiên bản / Version', 'Số mục / Items', 'Cập nhật / Updated'],
      row: (l) => [l.code, l.nameVi, l.currentVersion ?? '—', l.itemCount, time(l.updatedAt)],
    }),
    show: callCommand({
      synopsis: '<mã/code>',
      summary: 'Một danh mục và các trường / One list and its fields',
      args: ['code'],
      send: (ctx) => ctx.api.call('getCategory', { params: code(ctx) }),
      render: (l) =>
        `${showFields([
          ['Mã / Code', l.code],
          ['Tên / Name', `${l.nameVi} / ${l.nameEn}`],
          ['Nguồn / Source', l.source],
          ['Phiên bản / Version', l.currentVersion ?? '—'],
          ['Số mục / Items', l.itemCount],
        ])}\n${l.fields.map((f, i) => `  ${i === 0 ? '*' : ' '} ${f.name} (${f.type}) ${f.description}`).join('\n')}`,
    }),
    create: callCommand({
      synopsis:
        '<mã/code> --name-vi <tên> --name-en <name> --field <Tên:kiểu:mô tả> … [--source <văn bản>] [--description <…>]',
      summary: 'Tạo danh mục; trường đầu là mã / Create a list; the first field is the key',
      args: ['code'],
      options: {
        ...textOptions('name-vi', 'name-en', 'source', 'description'),
        field: { type: 'string', multiple: true },
      },
      send(ctx) {
        const specs = list(ctx.values, 'field');
        if (specs.length === 0)
          throw new UsageError('Cần ít nhất một --field / At least one --field', ctx.usage);
        const source = str(ctx.values, 'source');
        const description = str(ctx.values, 'description');
        return ctx.api.call('createCategory', {
          body: {
            code: ctx.args[0]!,
            nameVi: required(ctx.values, 'name-vi', ctx.usage),
            nameEn: required(ctx.values, 'name-en', ctx.usage),
            fields: specs.map((s) => fieldOf(s, ctx.usage)),
            ...(source ? { source } : {}),
            ...(description ? { description } : {}),
          },
        });
      },
      render: (l) => `Đã tạo / Created: ${l.code} (${l.fields.map((f) => f.name).join(', ')})`,
    }),
    import: callCommand({
      synopsis: '<mã/code> --file <tệp.csv|tệp.xlsx> [--note <ghi chú>]',
      summary: 'Nhập phiên bản mới từ CSV/XLSX / Import a new version from a CSV or XLSX file',
      args: ['code'],
      options: textOptions('file', 'note'),
      send(ctx) {
        const note = str(ctx.values, 'note');
        return ctx.api.call('importCategoryVersion', {
          params: code(ctx),
          body: { ...fileBody(ctx), ...(note ? { note } : {}) },
        });
      },
      render: (v) =>
        `Đã nhập / Imported: ${v.listCode} phiên bản / version ${v.version}, ${v.itemCount} mục / items`,
    }),
    versions: callCommand({
      synopsis: '<mã/code>',
      summary: 'Lịch sử phiên bản / Version history',
      args: ['code'],
      send: (ctx) =>
        ctx.api.call('listCategoryVersions', { params: code(ctx), query: { limit: 100, offset: 0 } }),
      render: (body) =>
        body.items
          .map(
            (v) =>
              `${v.current ? '*' : ' '} v${v.version}  ${time(v.createdAt)}  ${v.itemCount} mục/items  ${v.origin}  ${v.createdBy}  ${v.note}`,
          )
          .join('\n'),
    }),
    items: callCommand({
      synopsis: '<mã/code> [--version N] [--search <chữ>] [--limit N] [--offset N]',
      summary: 'Các mục của danh mục / The items of a list',
      args: ['code'],
      options: textOptions('version', 'search', 'limit', 'offset'),
      send(ctx) {
        const version = positiveInt(ctx.values, 'version', ctx.usage);
        const limit = positiveInt(ctx.values, 'limit', ctx.usage);
        const offset = str(ctx.values, 'offset');
        const q = str(ctx.values, 'search');
        return ctx.api.call('listCategoryItems', {
          params: code(ctx),
          query: {
            ...(version !== undefined ? { version } : {}),
            ...(q ? { q } : {}),
            limit: limit ?? 50,
            offset: offset && /^\d{1,7}$/.test(offset) ? Number(offset) : 0,
          },
        });
      },
      render: (page) =>
        `${page.items
          .map(
            (i) =>
              `${i.code}\t${Object.values(i.data)
                .map((v) => v ?? '')
                .join('\t')}`,
          )
          .join('\n')}\n` + `v${page.version}: ${page.items.length} / ${page.total}`,
    }),
    map: callCommand({
      synopsis: '<mã/code> (--file <tệp.csv|xlsx> | --local <mã> --national <mã> [--note <…>]) [--replace]',
      summary: 'Ánh xạ mã địa phương → mã quốc gia / Map local codes to national codes',
      args: ['code'],
      options: { ...textOptions('file', 'local', 'national', 'note'), replace: { type: 'boolean' } },
      send(ctx) {
        const replace = ctx.values['replace'] === true;
        if (str(ctx.values, 'file')) {
          return ctx.api.call('importCategoryMappings', {
            params: code(ctx),
            body: { ...fileBody(ctx), replace },
          });
        }
        const note = str(ctx.values, 'note');
        return ctx.api.call('importCategoryMappings', {
          params: code(ctx),
          body: {
            mappings: [
              {
                localCode: required(ctx.values, 'local', ctx.usage),
                nationalCode: required(ctx.values, 'national', ctx.usage),
                ...(note ? { note } : {}),
              },
            ],
            replace,
          },
        });
      },
      render: (r) => `Đã ghi / Saved: ${r.upserted}; đã xoá / removed: ${r.removed}`,
    }),
    lookup: callCommand({
      synopsis: '<mã/code> <mã địa phương/local code>',
      summary: 'Tra mã quốc gia / Look up the national code',
      args: ['code', 'localCode'],
      send: (ctx) =>
        ctx.api.call('getCategoryMapping', { params: { code: ctx.args[0]!, localCode: ctx.args[1]! } }),
      render: (m) =>
        `${m.localCode} → ${m.nationalCode}${m.nationalItem ? `  (${Object.values(m.nationalItem.data).join(', ')})` : ''}`,
    }),
    unmap: callCommand({
      synopsis: '<mã/code> <mã địa phương/local code>',
      summary: 'Xoá một ánh xạ / Delete a mapping',
      args: ['code', 'localCode'],
      send: (ctx) =>
        ctx.api.call('deleteCategoryMapping', { params: { code: ctx.args[0]!, localCode: ctx.args[1]! } }),
      render: (m) => `Đã xoá / Deleted: ${m.localCode} → ${m.nationalCode}`,
    }),
    sync: callCommand({
      synopsis: '<peer_…> [--code <MÃ> …] [--context dmdc] [--version 1.0]',
      summary:
        'Đồng bộ danh mục từ nền tảng ngang hàng (NDXP/NGSP, LGSP khác), mỗi danh mục một phiên bản mới / ' +
        'Sync lists from a peer platform, each as a new version',
      args: ['peerId'],
      options: { ...textOptions('context', 'version'), code: { type: 'string', multiple: true } },
      send(ctx) {
        const codes = list(ctx.values, 'code');
        const context = str(ctx.values, 'context');
        const version = str(ctx.values, 'version');
        return ctx.api.call('syncCategories', {
          body: {
            peerId: ctx.args[0]!,
            ...(codes.length > 0 ? { codes } : {}),
            ...(context ? { context } : {}),
            ...(version ? { version } : {}),
          },
        });
      },
      render: (r) =>
        `Từ / From ${r.peerCode}:\n${r.lists
          .map(
            (l) => `  ${l.code}  v${l.version}  ${l.itemCount} mục/items${l.created ? '  (mới / new)' : ''}`,
          )
          .join('\n')}`,
    }),
    service: callCommand({
      summary: 'Dịch vụ /dmdc/1.0 để đăng ký khai thác / The built-in service to subscribe consumers to',
      send: (ctx) => ctx.api.call('getCategoryService'),
      render: (s) =>
        showFields([
          ['Dịch vụ / Service', s.serviceId],
          ['Phiên bản / Version', `${s.versionId} (${s.context} ${s.version})`],
          ['Đường dẫn / Paths', s.paths.join('  ')],
        ]),
    }),
  },
};
