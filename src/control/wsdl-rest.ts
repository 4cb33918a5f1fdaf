import type { ResourceTemplate } from '../api/contract/index.ts';
import { LgspError } from '../core/errors.ts';
import type { SoapRestOperation, SoapRestPlan } from '../core/soap-rest.ts';
import { describePort, isSimpleInput, openWsdl, reservedOperationNames } from '../core/soap-wsdl.ts';
import { type ApiDocumentProblem, unsupportedSoapRestConstructs, wsdlSoapPorts } from './api-document.ts';

/**
 * A SOAP version exposed as REST, resolved against the WSDL its provider submits (issue 12 item 6, R-26;
 * docs/soap-rest.md): the constructs the conversion cannot honour are refused, naming each and where it is; the
 * port and its SOAP version are found; the operations become the version's resources — as declared, or every
 * operation as `POST /{operation}` plus `GET /{operation}` when its input is a few simple fields. The WSDL is read
 * by the `soap` library itself (src/core/soap-wsdl.ts), so what is accepted here is what the gateway can convert.
 */
export async function resolveSoapRest(
  plan: SoapRestPlan,
  wsdlText: string,
): Promise<{ plan: SoapRestPlan; resources: ResourceTemplate[] }> {
  const refuse = (problems: ApiDocumentProblem[]): never => {
    throw new LgspError(
      'CP_SOAP_REST_INVALID',
      problems.map((p) => `Tài liệu WSDL tại ${p.path || '/'}: ${p.message}`).join('; '),
      { errors: problems.map((p) => ({ in: 'technicalDocument', path: p.path, message: p.message })) },
    );
  };
  const unsupported = unsupportedSoapRestConstructs(wsdlText);
  if (unsupported.length > 0) refuse(unsupported);
  const ports = wsdlSoapPorts(wsdlText);
  const port = plan.port === null ? ports[0] : ports.find((p) => p.port === plan.port);
  if (!port) {
    refuse([
      {
        path: '/definitions/service',
        message:
          plan.port === null
            ? 'không có wsdl:port nào dùng ràng buộc SOAP 1.1/1.2 / no port with a SOAP 1.1 or 1.2 binding'
            : `không có wsdl:port "${plan.port}" dùng ràng buộc SOAP / no SOAP port "${plan.port}"`,
      },
    ]);
  }
  let described: ReturnType<typeof describePort>;
  try {
    described = describePort(await openWsdl(wsdlText), port!.port);
  } catch (err) {
    const why = err instanceof Error ? err.message.slice(0, 300) : String(err);
    return refuse([
      {
        path: '',
        message: `thư viện SOAP không đọc được tài liệu / the SOAP library cannot read it: ${why}`,
      },
    ]);
  }
  const operations = described ?? new Map();
  const problems: ApiDocumentProblem[] = [];
  const portPath = `/definitions/binding[@name='${port!.binding}']`;
  const reserved = await reservedOperationNames();
  for (const name of operations.keys()) {
    if (reserved.has(name)) {
      problems.push({
        path: `${portPath}/operation[@name='${name}']`,
        message: `tên thao tác "${name}" trùng tên dành riêng / the operation name "${name}" is reserved`,
      });
    }
  }
  let resolved: SoapRestOperation[];
  if (plan.operations === null) {
    resolved = [];
    for (const [name, op] of operations) {
      resolved.push({ operation: name, method: 'POST', path: `/${name}` });
      if (isSimpleInput(op.input)) resolved.push({ operation: name, method: 'GET', path: `/${name}` });
    }
    if (resolved.length === 0)
      problems.push({ path: portPath, message: 'không có thao tác nào / no operation' });
  } else {
    resolved = plan.operations;
    for (const [i, op] of plan.operations.entries()) {
      const found = operations.get(op.operation);
      if (!found) {
        problems.push({
          path: `/soapRest/operations/${i}`,
          message: `"${op.operation}": không có trong ${port!.port} / not an operation of ${port!.port}`,
        });
      } else if (op.method === 'GET' && !isSimpleInput(found.input)) {
        problems.push({
          path: `/soapRest/operations/${i}`,
          message: `GET ${op.path}: đầu vào của "${op.operation}" không phải vài trường đơn giản, hãy dùng POST / its input is not a few simple fields: use POST`,
        });
      }
    }
  }
  if (problems.length > 0) refuse(problems);
  return {
    plan: { port: port!.port, soapVersion: port!.soapVersion, operations: resolved },
    resources: resolved.map((op) => ({ method: op.method, path: op.path })),
  };
}
