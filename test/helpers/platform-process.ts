import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `lgsp` command, run as a user runs it: `node bin/lgsp.mjs …` (one node process, no npm wrapper). */
const LGSP_BIN = fileURLToPath(new URL('../../bin/lgsp.mjs', import.meta.url));

/**
 * A free TCP port on 127.0.0.1 for a server that is stopped and started again on it. Chosen below Linux's
 * ephemeral range (32768–60999), so no outgoing connection of any process on the machine is given it as its local
 * port while our server is down; bound once by us to check it is free, then released — and claimed for this test
 * run (`claimForThisRun`), so that no other call, in this test file or another one running beside it, is given it
 * too before our server binds it (seen in CI: three platforms of one test given the same port twice, the third
 * refusing to start).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    if (attempt >= 200) throw new Error('no free port found');
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!claimForThisRun(port)) continue;
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }
  }
}

const CLAIM_DIR_PREFIX = 'lgsp-test-ports-';
let staleRunsRemoved = false;

/**
 * Removes the claim directories of test runs whose runner process has ended: nothing removes a run's directory
 * when it ends (no process of the run knows it is the last one), so without this every run left hundreds of empty
 * files in the temporary directory. Done once per process, at its first claim. A directory whose runner is alive —
 * or may be: `EPERM` means a process of another user has that pid — is left alone, for its run may still claim.
 */
function removeClaimsOfEndedRuns(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(CLAIM_DIR_PREFIX)) continue;
    const suffix = name.slice(CLAIM_DIR_PREFIX.length);
    if (!/^[1-9][0-9]*$/.test(suffix)) continue;
    const pid = Number(suffix);
    if (pid === process.ppid || pid === process.pid || isAlive(pid)) continue;
    // Another process of a later run may remove it at the same moment: `force` makes that harmless.
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Claims `port` for this test run: a file named after it, created exclusively (O_EXCL: one creator wins, across
 * processes) in a directory of the run — named after the test runner, the parent of every test file's process
 * (`node --test`), or of the shell for a file run alone. False when the port was already given out in this run.
 */
function claimForThisRun(port: number): boolean {
  if (!staleRunsRemoved) {
    staleRunsRemoved = true;
    removeClaimsOfEndedRuns();
  }
  const dir = join(tmpdir(), `${CLAIM_DIR_PREFIX}${process.ppid}`);
  mkdirSync(dir, { recursive: true });
  try {
    closeSync(openSync(join(dir, String(port)), 'wx'));
    return true;
  } catch {
    return false;
  }
}

export interface PlatformProcessOptions {
  /** LGSP_* settings (ports, data dir, engines…); LGSP_GATEWAY_PORT and LGSP_ADMIN_PORT are required. */
  env: Record<string, string>;
  /** The working directory (no lgsp.config.json there, or it would be read). */
  cwd: string;
  /** How long start-up may take before it counts as failed. */
  readyTimeoutMs?: number;
  /**
   * `lgsp start --role …` (issue 13 item 1). Control and worker nodes have no gateway: only their admin port's
   * /healthz is waited for.
   */
  role?: 'all' | 'gateway' | 'control' | 'worker';
}

/**
 * `lgsp start` as a child process that can be killed and started again on the same data dir, database and NATS
 * prefix — what the loss test needs. `start()` resolves once the gateway and the admin API both answer /healthz
 * with 200; `kill()` sends SIGKILL to the node process itself and waits until it is gone; `stop()` asks for a clean
 * stop (SIGTERM) and resolves with the exit code.
 */
export class PlatformProcess {
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  private log = '';
  /** How many times the process was started. */
  starts = 0;

  constructor(private readonly options: PlatformProcessOptions) {
    this.gatewayUrl = `http://127.0.0.1:${options.env['LGSP_GATEWAY_PORT']}`;
    this.adminUrl = `http://127.0.0.1:${options.env['LGSP_ADMIN_PORT']}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last part of the child's stdout and stderr, for failure messages. */
  output(): string {
    return this.log.slice(-20_000);
  }

  async start(): Promise<void> {
    if (this.running) throw new Error('the platform process is already running');
    const env: Record<string, string | undefined> = { ...process.env, ...this.options.env };
    // Not a test process itself: node:test's marker would change how a node:test import behaves in the child.
    delete env['NODE_TEST_CONTEXT'];
    const role = this.options.role;
    const args = role ? [LGSP_BIN, 'start', '--role', role] : [LGSP_BIN, 'start'];
    const child = spawn(process.execPath, args, {
      cwd: this.options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.starts++;
    const n = this.starts;
    const keep = (c: Buffer) => {
      this.log = `${this.log}${c.toString()}`.slice(-40_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.child = child;
    // Should the test process itself end abruptly, the platform must not outlive it.
    const orphaned = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', orphaned);
    child.once('exit', () => process.off('exit', orphaned));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.log += `\n[start #${n}, pid ${child.pid}: exited code=${code} signal=${signal}]\n`;
        resolve(code);
      });
    });
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 180_000);
    for (;;) {
      if (!this.running) throw new Error(`lgsp start exited before it was ready:\n${this.output()}`);
      const hasGateway = role !== 'control' && role !== 'worker';
      if (
        (!hasGateway || (await healthy(`${this.gatewayUrl}/healthz`))) &&
        (await healthy(`${this.adminUrl}/healthz`))
      )
        return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`lgsp start not ready in time:\n${this.output()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL: no clean-up of any kind, as a power cut or the OOM killer would do it. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    process.kill(child.pid!, 'SIGKILL');
    await this.exited;
  }

  /** A clean stop (SIGTERM); resolves with the exit code, or null when it was not running. */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) return null;
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) process.kill(child.pid!, 'SIGKILL');
    }, timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
