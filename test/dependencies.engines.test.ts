import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import semver from 'semver';

/**
 * The platform promises to run on the Node.js its package.json names (README: "Cần Node.js ≥ 20.19"), and the project
 * installs and runs every dependency on Node 20. A dependency that declares a newer Node (its `engines.node`, kept in
 * the lock file) makes `npm install` warn EBADENGINE and may use an API Node 20 lacks: an upgrade that brings one in
 * fails here instead of on a province's server. (Dec 2026: @nats-io 3.4.0's nuid 3.0.0 and fastify's light-my-request
 * 6.8's cookie 2 asked for Node 22, hence the pins in package.json.)
 */
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }>;
};

test('every installed package accepts the oldest Node.js the platform supports', () => {
  const oldest = semver.minVersion(pkg.engines.node);
  assert.ok(oldest, `package.json engines.node is a range: ${pkg.engines.node}`);
  const refusing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.engines === undefined || Array.isArray(entry.engines)) continue;
    const wanted = entry.engines.node;
    if (wanted !== undefined && !semver.satisfies(oldest, wanted)) refusing.push(`${path} (node ${wanted})`);
  }
  assert.deepEqual(refusing, [], `these packages do not declare support for Node ${oldest.version}`);
});
