import { binaryCopy } from '../../src/telemetry/record-copy.ts';

/** The input of a binary COPY (what `Store.copyIn` takes) of rows of one int4 column, one row per number. */
export function intRows(ns: readonly number[]): Buffer {
  return binaryCopy(
    ns.map((n) => {
      const tuple = Buffer.alloc(10);
      tuple.writeInt16BE(1, 0);
      tuple.writeInt32BE(4, 2);
      tuple.writeInt32BE(n, 6);
      return tuple;
    }),
  );
}
