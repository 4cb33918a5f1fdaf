import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { untilSignal } from './start.ts';

export const CLUSTER_USAGE = `Cách dùng / Usage: lgsp cluster [--gateways N] [--workers N] [--port P]   (npm run cluster)
  Chạy trên máy này một cụm thử: N nút gateway + 1 control + N worker, trên PostgreSQL (bắt buộc LGSP_DATABASE_URL),
  NATS và Redis của máy nếu có cấu hình (LGSP_NATS_URL, LGSP_REDIS_URL), sau nginx làm bộ cân bằng tải khi có nginx.
  Starts a trial cluster on this machine: N gateway nodes + 1 control + N workers on PostgreSQL (LGSP_DATABASE_URL
  required), the machine's NATS and Redis when configured, behind nginx as the load balancer when installed.
  --gateways  số nút gateway / gateway nodes (mặc định/default 3)
  --workers   số nút worker / worker nodes (mặc định/default 1)
  --port      cổng của bộ cân bằng tải; các nút gateway dùng P+1… / the load balancer's port; gateway nodes use P+1…
              (mặc định/default 8280)
  Nhiều máy / Several machines: docs/scaling.md`;

export interface ClusterNode {
  name: string;
  role: 'gateway' | 'control' | 'worker';
  /** LGSP_* settings of this node, over the environment `lgsp cluster` was started with. */
  env: Record<string, string>;
  /** Where it answers /healthz. */
  healthUrl: string;
  gatewayUrl?: string;
}

export interface ClusterPlan {
  nodes: ClusterNode[];
  /** The load balancer's port and its upstreams (the gateway nodes' ports). */
  balancer: { port: number; upstreamPorts: number[] };
}

/**
 * Which node listens where (pure, so a test can read it): the load balancer on `port`, gateway nodes on `port+1…`,
 * the control node's admin API on `adminPort` (console, portal), each other node's health port after it.
 */
export function clusterPlan(options: {
  gateways: number;
  workers: number;
  port: number;
  adminPort: number;
  behindBalancer: boolean;
}): ClusterPlan {
  const nodes: ClusterNode[] = [];
  const url = (port: number) => `http://127.0.0.1:${port}`;
  nodes.push({
    name: 'control',
    role: 'control',
    env: { LGSP_ADMIN_PORT: String(options.adminPort) },
    healthUrl: `${url(options.adminPort)}/healthz`,
  });
  const upstreamPorts: number[] = [];
  for (let i = 0; i < options.gateways; i++) {
    const gatewayPort = options.port + 1 + i;
    const healthPort = options.adminPort + 1 + i;
    upstreamPorts.push(gatewayPort);
    nodes.push({
      name: `gateway-${i + 1}`,
      role: 'gateway',
      env: {
        LGSP_GATEWAY_PORT: String(gatewayPort),
        LGSP_ADMIN_PORT: String(healthPort),
        // Behind nginx on this machine: the caller's address comes in X-Forwarded-For (R-13's per-address limits).
        ...(options.behindBalancer ? { LGSP_TRUSTED_PROXIES: '127.0.0.1' } : {}),
      },
      healthUrl: `${url(gatewayPort)}/healthz`,
      gatewayUrl: url(gatewayPort),
    });
  }
  for (let i = 0; i < options.workers; i++) {
    const healthPort = options.adminPort + 1 + options.gateways + i;
    nodes.push({
      name: `worker-${i + 1}`,
      role: 'worker',
      env: { LGSP_ADMIN_PORT: String(healthPort) },
      healthUrl: `${url(healthPort)}/healthz`,
    });
  }
  return { nodes, balancer: { port: options.port, upstreamPorts } };
}

/**
 * nginx in front of the gateway nodes: least connections, bodies streamed both ways (no buffering, no size limit —
 * the gateway enforces its own), keep-alive to the nodes, and a failed node skipped for 5 s. A request that was not
 * idempotent is never sent to a second node (nginx's default since 1.9.13).
 */
export function nginxConfig(dir: string, balancer: ClusterPlan['balancer']): string {
  const servers = balancer.upstreamPorts
    .map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`)
    .join('\n');
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream lgsp_gateways {
    least_conn;
${servers}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${balancer.port};
    client_max_body_size 0;
    proxy_request_buffering off;
    proxy_buffering off;
    location / {
      proxy_pass http://lgsp_gateways;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout;
    }
  }
}
`;
}

function intOption(args: string[], name: string, fallback: number): number | string {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    return `--${name}: cần một số nguyên dương / needs a positive integer`;
  return value;
}

const LGSP_BIN = fileURLToPath(new URL('../../bin/lgsp.mjs', import.meta.url));

export async function runCluster(
  args: string[],
  env: Record<string, string | undefined> = process.env,
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    write(`${CLUSTER_USAGE}\n`);
    return 0;
  }
  const gateways = intOption(args, 'gateways', 3);
  const workers = intOption(args, 'workers', 1);
  const port = intOption(args, 'port', 8280);
  for (const v of [gateways, workers, port]) {
    if (typeof v === 'string') {
      process.stderr.write(`${v}\n${CLUSTER_USAGE}\n`);
      return 2;
    }
  }
  if (!env['LGSP_DATABASE_URL']) {
    process.stderr.write(
      'Cụm cần PostgreSQL: đặt LGSP_DATABASE_URL=postgres://… — các nút dùng chung trạng thái qua PostgreSQL / ' +
        'a cluster needs PostgreSQL: set LGSP_DATABASE_URL=postgres://… — the nodes share state through it\n',
    );
    return 1;
  }
  const nginx = spawnSync('nginx', ['-v'], { stdio: 'ignore' }).error === undefined;
  const plan = clusterPlan({
    gateways: gateways as number,
    workers: workers as number,
    port: port as number,
    adminPort: Number(env['LGSP_ADMIN_PORT'] ?? 8080),
    behindBalancer: nginx,
  });

  const children: Array<{ name: string; child: ChildProcess }> = [];
  const stopAll = async () => {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) =>
            child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
          ),
      ),
    );
  };
  const launch = (name: string, command: string, commandArgs: string[], childEnv: NodeJS.ProcessEnv) => {
    const child = spawn(command, commandArgs, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = (chunk: Buffer) =>
      write(
        chunk
          .toString()
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => `[${name}] ${l}\n`)
          .join(''),
      );
    child.stdout?.on('data', prefix);
    child.stderr?.on('data', prefix);
    children.push({ name, child });
    return child;
  };
  const startNode = async (node: ClusterNode) => {
    launch(node.name, process.execPath, [LGSP_BIN, 'start', '--role', node.role], { ...env, ...node.env });
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const res = await fetch(node.healthUrl, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`${node.name} không sẵn sàng / not ready: ${node.healthUrl}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const signalled = untilSignal();
  let nginxDir: string | null = null;
  try {
    // The control node first: on a fresh store it makes the signing key and the operator account.
    await startNode(plan.nodes[0]!);
    await Promise.all(plan.nodes.slice(1).map(startNode));
    if (nginx) {
      nginxDir = mkdtempSync(join(tmpdir(), 'lgsp-nginx-'));
      mkdirSync(join(nginxDir, 'tmp'));
      writeFileSync(join(nginxDir, 'nginx.conf'), nginxConfig(nginxDir, plan.balancer));
      launch(
        'nginx',
        'nginx',
        ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf'), '-e', join(nginxDir, 'error.log')],
        {
          ...env,
        },
      );
    }
  } catch (err) {
    process.stderr.write(
      `Không khởi động được cụm / Could not start the cluster: ${(err as Error).message}\n`,
    );
    await stopAll();
    if (nginxDir) rmSync(nginxDir, { recursive: true, force: true });
    return 1;
  }
  const control = plan.nodes[0]!;
  const adminUrl = control.healthUrl.replace(/\/healthz$/, '');
  write(
    [
      '',
      `Cụm OpenLGSP đang chạy / cluster is running: ${plan.nodes.length} nút / nodes`,
      nginx
        ? `  Cân bằng tải / Load balancer (nginx): http://127.0.0.1:${plan.balancer.port}  → ${plan.balancer.upstreamPorts.join(', ')}`
        : '  nginx chưa cài: gọi thẳng từng nút gateway / nginx not installed: call the gateway nodes directly (no load balancer)',
      ...plan.nodes.map(
        (n) =>
          `  ${n.name.padEnd(11)} ${n.role.padEnd(8)} ${n.gatewayUrl ?? ''}${n.gatewayUrl ? '  ' : ''}${n.healthUrl}`,
      ),
      `  Bảng điều khiển / Console: ${adminUrl}/   API: ${adminUrl}/api/v1`,
      '  Dừng / Stop: Ctrl+C',
      '',
    ].join('\n'),
  );
  await signalled;
  write('Đang dừng cụm / Stopping the cluster…\n');
  await stopAll();
  if (nginxDir) rmSync(nginxDir, { recursive: true, force: true });
  return 0;
}
