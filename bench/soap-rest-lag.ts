// `node --import tsx bench/soap-rest-lag.ts`: how long the gateway's event loop stops while a snapshot with a
// SOAP-as-REST version of a large WSDL is applied (docs/soap-rest.md). The gateway compiles the WSDL into `soap`'s
// model on the thread that serves its calls; this times that compilation with a 10 ms ticker, three rounds of each:
// "before" is the compilation as it was (`soap` reading the whole text at once, then describing the port twice),
// "after" is `compileSoapRest` until its route is compiled (read in slices, described once). Each round uses a document not seen before; the
// last line is a revision that leaves the document unchanged (nothing recompiled).
//
// Environment: BENCH_OPERATIONS (1500: ≈ 1.5 MB).
import { describePort, openWsdl, soapClient } from '../src/core/soap-wsdl.ts';
import { compileSoapRest } from '../src/gateway/soap-rest-table.ts';
import { bigWsdl, wsdl11 } from '../test/helpers/wsdl.ts';

const OPERATIONS = Number(process.env['BENCH_OPERATIONS'] ?? 1500);
const plan = {
  port: 'LonPort',
  soapVersion: '1.1' as const,
  operations: [{ operation: 'Op7', method: 'POST' as const, path: '/Op7' }],
};

async function before(text: string): Promise<void> {
  const wsdl = await openWsdl(text);
  describePort(wsdl, plan.port);
  describePort(wsdl, plan.port);
  await soapClient(wsdl, { request: () => undefined } as never, plan.soapVersion);
}

const after = async (text: string): Promise<void> => {
  await compileSoapRest({ plan, wsdl: text })?.compiled;
};

/** The compilation's time and the longest the 10 ms ticker waited meanwhile. */
async function timed(run: (text: string) => Promise<void>, text: string) {
  let last = performance.now();
  let worstMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    worstMs = Math.max(worstMs, now - last);
    last = now;
  }, 10);
  const started = performance.now();
  await run(text);
  const tookMs = performance.now() - started;
  worstMs = Math.max(worstMs, performance.now() - last);
  clearInterval(ticker);
  return { tookMs, worstMs };
}

await openWsdl(wsdl11({ name: 'A', operation: 'B' })); // `soap` loaded, as on a gateway already converting a version
for (let round = 0; round < 3; round++) {
  for (const [name, run] of [
    ['before', before],
    ['after', after],
  ] as const) {
    const text = `${bigWsdl(OPERATIONS)}<!-- ${round} ${name} -->`;
    const { tookMs, worstMs } = await timed(run, text);
    console.log(
      `${name}: ${text.length} B, compiled in ${tookMs.toFixed(0)} ms, longest loop stretch ${worstMs.toFixed(0)} ms`,
    );
  }
}
const unchanged = `${bigWsdl(OPERATIONS)}<!-- 2 after -->`;
const { tookMs } = await timed(after, unchanged);
console.log(`unchanged document, next revision: ${tookMs.toFixed(1)} ms`);
