import type ExcelJS from 'exceljs';

let loading: Promise<typeof ExcelJS> | null = null;

/**
 * exceljs, loaded on first use: only XLSX exports and imports need it, and loading it took ≈ 5 % of every process's
 * start (a CPU profile of `lgsp start`) — gateway and worker nodes and each CLI command included.
 */
export function excel(): Promise<typeof ExcelJS> {
  loading ??= import('exceljs').then((m) => m.default);
  return loading;
}
