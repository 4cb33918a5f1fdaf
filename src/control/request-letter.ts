import {
  AlignmentType,
  BorderStyle,
  Document,
  Packer,
  Paragraph,
  type ParagraphChild,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import type { ConnectionRequest, Organization } from '../api/contract/index.ts';

/**
 * The official request letter of R-08, laid out as the regulation's Appendix (Decision 56/2024/QĐ-UBND of An
 * Giang) and the presentation rules for administrative documents (Decree 30/2020/NĐ-CP, Appendix I): A4, Times
 * New Roman, national motto top right, agency names top left, number and subject under them, place and date in
 * italics, then the addressee, the legal bases, the body, the four items of the form, recipients and signature.
 * The agency prints it, signs and stamps it: the platform fills in what it knows and leaves the rest to them.
 */
export interface LetterOptions {
  /** Tỉnh: names the operator (Sở TT&TT tỉnh …) and the platform. Default 'An Giang'. */
  provinceName?: string;
  /** 'tỉnh', or 'thành phố' for a centrally-run city (Sở TT&TT thành phố Cần Thơ). Default 'tỉnh'. */
  provinceKind?: 'tỉnh' | 'thành phố';
  /** Cơ quan chủ quản, printed above the organization's name; none when the organization has no parent. */
  parentAgencyName?: string | null;
  /** Địa danh before the date; default the province's name. */
  place?: string;
  /** Date of the letter; default the request's submission time (read in Vietnam time, UTC+7). */
  date?: Date;
  /** Legal basis of the provincial regulation; default An Giang's Decision 56/2024/QĐ-UBND, else blanks to fill. */
  regulationReference?: string;
  /** Title above the signature; default 'THỦ TRƯỞNG CƠ QUAN'. */
  signerTitle?: string;
  /** Name under the signature; default a placeholder the agency fills in. */
  signerName?: string;
}

const FONT = 'Times New Roman';
/** Half-points: body 14 pt, header 13 pt, "Nơi nhận" 12 pt and its list 11 pt (Decree 30/2020 Appendix I). */
const BODY = 28;
const HEADER = 26;
const SMALL = 24;
const SMALLER = 22;
/** A4 in twentieths of a point; margins top/bottom 20 mm, left 30 mm, right 15 mm. */
const A4 = { width: 11906, height: 16838 };
const MARGIN = { top: 1134, bottom: 1134, left: 1701, right: 850 };
const CONTENT_WIDTH = A4.width - MARGIN.left - MARGIN.right;
const LEFT_COLUMN = Math.round(CONTENT_WIDTH * 0.42);
const RIGHT_COLUMN = CONTENT_WIDTH - LEFT_COLUMN;

const NONE = { style: BorderStyle.NONE, size: 0, color: 'FFFFFF' } as const;
const NO_BORDERS = {
  top: NONE,
  bottom: NONE,
  left: NONE,
  right: NONE,
  insideHorizontal: NONE,
  insideVertical: NONE,
};

interface RunStyle {
  bold?: boolean;
  italics?: boolean;
  size?: number;
}

const run = (text: string, style: RunStyle = {}) =>
  new TextRun({ text, font: FONT, size: style.size ?? BODY, bold: style.bold, italics: style.italics });

function centered(text: string, style: RunStyle = {}, after = 0): Paragraph {
  return new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after }, children: [run(text, style)] });
}

/** The short rule under the agency name and under the motto, as a bottom border of an empty paragraph. */
function rule(indent: number): Paragraph {
  return new Paragraph({
    alignment: AlignmentType.CENTER,
    indent: { left: indent, right: indent },
    border: { bottom: { style: BorderStyle.SINGLE, size: 6, color: '000000', space: 1 } },
    spacing: { after: 120 },
    children: [],
  });
}

/** A body paragraph: justified, first line indented 1 cm, 6 pt after. */
function body(children: ParagraphChild[], options: { indent?: boolean; after?: number } = {}): Paragraph {
  return new Paragraph({
    alignment: AlignmentType.BOTH,
    indent: options.indent === false ? undefined : { firstLine: 567 },
    spacing: { after: options.after ?? 120, line: 288 },
    children,
  });
}

/** Typed text keeps its line breaks: the first line follows the label, the others are paragraphs of their own. */
function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/** An item of the form: "1. Mục đích sử dụng: …", the label bold. */
function item(label: string, value: string): Paragraph[] {
  const [first = '', ...rest] = lines(value);
  return [body([run(label, { bold: true }), run(` ${first}`)]), ...rest.map((l) => body([run(l)]))];
}

/** "ngày 05 tháng 3 năm 2025": a zero before days under 10 and months 1 and 2 (Decree 30/2020, Appendix I). */
export function vietnameseDate(date: Date): string {
  const local = new Date(date.getTime() + 7 * 3_600_000);
  const day = local.getUTCDate();
  const month = local.getUTCMonth() + 1;
  const dd = day < 10 ? `0${day}` : String(day);
  const mm = month < 3 ? `0${month}` : String(month);
  return `ngày ${dd} tháng ${mm} năm ${local.getUTCFullYear()}`;
}

function roleWords(request: ConnectionRequest): string {
  if (request.isProvider && request.isConsumer) return 'cung cấp và khai thác';
  return request.isProvider ? 'cung cấp' : 'khai thác';
}

/** The borderless two-column layout of a letter's head and foot: each row is its left and its right cell. */
function twoColumnTable(rows: [left: Paragraph[], right: Paragraph[]][]): Table {
  const cell = (children: Paragraph[], width: number) =>
    new TableCell({ children, width: { size: width, type: WidthType.DXA } });
  return new Table({
    layout: TableLayoutType.FIXED,
    width: { size: CONTENT_WIDTH, type: WidthType.DXA },
    columnWidths: [LEFT_COLUMN, RIGHT_COLUMN],
    borders: NO_BORDERS,
    rows: rows.map(
      ([left, right]) => new TableRow({ children: [cell(left, LEFT_COLUMN), cell(right, RIGHT_COLUMN)] }),
    ),
  });
}

function headerTable(
  request: ConnectionRequest,
  organization: Organization,
  options: { parent: string | null; place: string; date: Date },
): Table {
  const left: Paragraph[] = [
    ...(options.parent ? [centered(options.parent.toLocaleUpperCase('vi-VN'), { size: HEADER })] : []),
    centered(organization.name.toLocaleUpperCase('vi-VN'), { bold: true, size: HEADER }),
    rule(900),
  ];
  const right: Paragraph[] = [
    centered('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', { bold: true, size: HEADER - 2 }),
    centered('Độc lập - Tự do - Hạnh phúc', { bold: true, size: BODY }),
    rule(1000),
  ];
  const number = request.letterNumber ? `Số: ${request.letterNumber}` : 'Số:          /';
  const subject = [
    centered(number, { size: HEADER }, 60),
    centered(`V/v đăng ký kết nối, khai thác dịch vụ chia sẻ dữ liệu của hệ thống ${request.systemName}`, {
      size: SMALL,
    }),
  ];
  const dated = [
    centered(`${options.place}, ${vietnameseDate(options.date)}`, { italics: true, size: BODY }),
  ];
  return twoColumnTable([
    [left, right],
    [subject, dated],
  ]);
}

function footerTable(options: { parent: string | null; signerTitle: string; signerName: string }): Table {
  const recipients = [
    new Paragraph({ children: [run('Nơi nhận:', { bold: true, italics: true, size: SMALL })] }),
    new Paragraph({ children: [run('- Như trên;', { size: SMALLER })] }),
    ...(options.parent
      ? [new Paragraph({ children: [run(`- ${options.parent} (để b/c);`, { size: SMALLER })] })]
      : []),
    new Paragraph({ children: [run('- Lưu: VT.', { size: SMALLER })] }),
  ];
  const signature = [
    centered(options.signerTitle, { bold: true, size: BODY }),
    centered('(Ký, ghi rõ họ tên và đóng dấu)', { italics: true, size: BODY }, 1440),
    centered(options.signerName, { bold: true, size: BODY }),
  ];
  return twoColumnTable([[recipients, signature]]);
}

/**
 * The province the letter names, from the platform's branding (`branding.provinceName`, e.g. "Tỉnh An Giang" or
 * "Tỉnh Mẫu / Sample Province"): its Vietnamese part, without the leading "Tỉnh" / "Thành phố", which becomes the
 * kind. Every province's letter named An Giang before, whatever the branding said.
 */
export function letterProvince(
  brandingProvinceName: string,
): Pick<LetterOptions, 'provinceName' | 'provinceKind'> {
  const vietnamese = brandingProvinceName.split(' / ')[0]?.trim() ?? '';
  const match = /^(tỉnh|thành phố)\s+(.+)$/iu.exec(vietnamese.normalize('NFC'));
  if (!match) return vietnamese ? { provinceName: vietnamese } : {};
  const kind = match[1]?.toLowerCase() === 'tỉnh' ? 'tỉnh' : 'thành phố';
  return { provinceName: match[2]?.trim() ?? '', provinceKind: kind };
}

/** The letter for one request, as a .docx file, all text in Vietnamese (UTF-8, with its diacritics). */
export async function renderConnectionRequestLetter(
  request: ConnectionRequest,
  organization: Organization,
  options: LetterOptions = {},
): Promise<Buffer> {
  const province = options.provinceName?.trim() || 'An Giang';
  const parent = options.parentAgencyName?.trim() || null;
  const place = options.place?.trim() || province;
  const date = options.date ?? new Date(request.submittedAt);
  const kind = options.provinceKind ?? 'tỉnh';
  const operator = `Sở Thông tin và Truyền thông ${kind} ${province}`;
  const platform = `Nền tảng tích hợp, chia sẻ dữ liệu ${kind} ${province}`;
  const regulation =
    options.regulationReference?.trim() ||
    (province === 'An Giang'
      ? 'Quyết định số 56/2024/QĐ-UBND ngày 01/11/2024 của UBND tỉnh An Giang'
      : `Quyết định số ........ ngày ........ của UBND ${kind} ${province}`);
  const contact = request.contact;
  const or = (value: string | null | undefined) => value?.trim() || '........';

  const children = [
    headerTable(request, organization, { parent, place, date }),
    new Paragraph({
      spacing: { before: 240, after: 240 },
      alignment: AlignmentType.CENTER,
      children: [run('Kính gửi: ', { size: BODY }), run(`${operator}.`, { size: BODY })],
    }),
    body([
      run(
        'Căn cứ Nghị định số 47/2020/NĐ-CP ngày 09/4/2020 của Chính phủ về quản lý, kết nối và chia sẻ dữ liệu ' +
          'số của cơ quan nhà nước;',
        { italics: true },
      ),
    ]),
    body([
      run(`Căn cứ ${regulation} ban hành Quy chế quản lý, vận hành và khai thác ${platform};`, {
        italics: true,
      }),
    ]),
    body([
      run(`${organization.name} trân trọng gửi ${operator} đăng ký nhu cầu kết nối hệ thống thông tin `),
      run(request.systemName, { bold: true }),
      run(` với ${platform} (LGSP) để ${roleWords(request)} dịch vụ chia sẻ dữ liệu, cụ thể như sau:`),
    ]),
    ...(request.systemDescription ? item('Mô tả hệ thống:', request.systemDescription) : []),
    ...item('1. Mục đích sử dụng:', request.purpose),
    ...item('2. Phạm vi sử dụng tại cơ quan chủ quản:', request.scopeOfUse),
    body([run('3. Đầu mối phối hợp:', { bold: true })]),
    body([run(`- Họ và tên: ${contact.name}; chức vụ: ${or(contact.title)};`)]),
    body([run(`- Đơn vị công tác: ${or(contact.unit ?? organization.name)};`)]),
    body([run(`- Số điện thoại: ${or(contact.phone)}; thư điện tử: ${or(contact.email)}.`)]),
    ...item('4. Các đề xuất, kiến nghị khác:', request.otherProposals ?? 'Không.'),
    body([run('Trân trọng./.')], { after: 240 }),
    footerTable({
      parent,
      signerTitle: options.signerTitle?.trim() || 'THỦ TRƯỞNG CƠ QUAN',
      signerName: options.signerName?.trim() || 'Họ và tên',
    }),
  ];

  const doc = new Document({
    creator: 'OpenLGSP',
    title: `Đề nghị kết nối ${request.systemName}`,
    subject: 'Đăng ký kết nối, khai thác dịch vụ chia sẻ dữ liệu (R-08)',
    description: `Mã đề nghị / request id: ${request.id}`,
    styles: {
      default: {
        document: { run: { font: FONT, size: BODY, language: { value: 'vi-VN' } } },
      },
    },
    sections: [
      {
        properties: { page: { size: A4, margin: MARGIN } },
        children,
      },
    ],
  });
  return Packer.toBuffer(doc);
}
