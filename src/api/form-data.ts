import { LgspError } from '../core/errors.ts';

/**
 * A small `multipart/form-data` reader (RFC 7578) for a body already read whole within the route's body limit: the
 * reconciliation upload (issue 11) takes one file and a few text fields, so streaming buys nothing, and this avoids
 * a dependency. Each part is a field: its name, its filename if it is a file, and its bytes. Anything malformed is
 * a 400 (API_VALIDATION_FAILED) saying what, never a 5xx.
 */

export interface FormPart {
  name: string;
  filename: string | null;
  data: Buffer;
}

function malformed(detail: string): LgspError {
  return new LgspError('API_VALIDATION_FAILED', `multipart/form-data: ${detail}`);
}

/** The boundary of a `multipart/form-data` content type (RFC 2046 §5.1.1: 1–70 characters). */
export function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw malformed('thiếu boundary / no boundary');
  return boundary;
}

/** The value of `param` in a Content-Disposition header: a token or a quoted string (with \" escapes). */
function dispositionParam(header: string, param: string): string | null {
  const re = new RegExp(`;\\s*${param}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^\\s;"]+))`, 'i');
  const match = re.exec(header);
  if (!match) return null;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!;
}

export function parseFormData(body: Buffer, contentType: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundaryOf(contentType)}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  // Before the first delimiter is a preamble, which must end with CRLF when there is one.
  if (at < 0 || (at > 0 && body.subarray(at - 2, at).toString('latin1') !== '\r\n')) {
    throw malformed('không thấy boundary / the boundary is not in the body');
  }
  for (;;) {
    at += delimiter.length;
    const after = body.subarray(at, at + 2).toString('latin1');
    if (after === '--') return parts;
    if (after !== '\r\n')
      throw malformed('boundary không kết thúc bằng CRLF / a boundary line must end in CRLF');
    const headersEnd = body.indexOf('\r\n\r\n', at + 2);
    if (headersEnd < 0) throw malformed('phần không có tiêu đề / a part without headers');
    const headers = body
      .subarray(at + 2, headersEnd)
      .toString('utf8')
      .split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd + 4);
    if (next < 0) throw malformed('thiếu boundary kết thúc / no closing boundary');
    const disposition = headers.find((h) => /^content-disposition\s*:/i.test(h));
    if (!disposition || !/^content-disposition\s*:\s*form-data\s*(;|$)/i.test(disposition)) {
      throw malformed(
        'phần thiếu Content-Disposition: form-data / a part without Content-Disposition: form-data',
      );
    }
    const name = dispositionParam(disposition, 'name');
    if (!name) throw malformed('phần không có tên / a part without a name');
    parts.push({
      name,
      filename: dispositionParam(disposition, 'filename'),
      data: body.subarray(headersEnd + 4, next),
    });
    at = next + 2;
  }
}
