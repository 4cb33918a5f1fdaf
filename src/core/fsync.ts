import { open } from 'node:fs/promises';

/**
 * fsyncs a file or a directory by its path: a directory, so that a file just created, renamed or removed in it
 * stays so after a power cut (the file's own fsync does not make its name durable).
 */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
