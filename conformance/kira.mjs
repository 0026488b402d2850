// Helpers that run a real `kira serve` (the binary named by KIRA_BIN) on a
// free port with a fresh data directory, and mint tokens with `kira token`.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';

// freePort asks the OS for an unused port; kira needs it before it starts
// because signed file URLs embed the public address.
async function freePort() {
  const srv = createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

const BIN = process.env.KIRA_BIN;
if (!BIN) throw new Error('KIRA_BIN must name a built kira binary (see .ci/run)');

export async function startKira(extraEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'kira-conformance-'));
  const port = await freePort();
  const env = { ...process.env, KIRA_DATA_DIR: dataDir, KIRA_ADDR: `127.0.0.1:${port}`, DATABASE_URL: '', REDIS_URL: '', ...extraEnv };
  const proc = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines = createInterface({ input: proc.stderr });
  const addr = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('kira did not start listening')), 30000);
    proc.once('exit', (code) => reject(new Error(`kira exited with ${code}`)));
    lines.on('line', (line) => {
      try {
        const rec = JSON.parse(line);
        if (rec.msg === 'listening') { clearTimeout(timer); resolve(rec.addr); }
      } catch { /* not JSON */ }
    });
  });
  const url = `http://${addr}`;
  return {
    url,
    // token mints a development token for a user (a new one by default).
    token(sub = randomUUID()) {
      const out = execFileSync(BIN, ['token', '--sub', sub], { env });
      return { sub, token: out.toString().trim() };
    },
    // setPlan changes a user's plan with `kira plan` (thinking needs pro).
    setPlan(sub, plan) {
      execFileSync(BIN, ['plan', '--sub', sub, '--plan', plan], { env });
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((resolve) => proc.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// api calls a JSON endpoint and returns {status, body}.
export async function api(kira, auth, method, path, body) {
  const res = await fetch(kira.url + path, {
    method,
    headers: { authorization: `Bearer ${auth.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function newThread(kira, auth, text = 'hello') {
  const r = await api(kira, auth, 'POST', '/thread/', {
    message: { id: 'first', role: 'user', parts: [{ type: 'text', text }] },
  });
  if (r.status !== 200) throw new Error(`create thread: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}
