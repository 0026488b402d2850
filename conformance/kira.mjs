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

// Every kira process this file started, so none outlives the test
// process even when a test fails before its after() hook runs.
const running = new Set();
const killAll = () => { for (const p of running) p.kill('SIGKILL'); };
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  // Once: after the cleanup the re-raised signal ends the process as usual.
  process.once(sig, () => { killAll(); process.kill(process.pid, sig); });
}

// startKira runs `kira serve`. opts.dataDir shares a data directory (the
// development signing key and the blob directory) between instances; a
// directory startKira made itself is removed on stop.
export async function startKira(extraEnv = {}, opts = {}) {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kira-conformance-'));
  const port = await freePort();
  const env = { ...process.env, KIRA_DATA_DIR: dataDir, KIRA_ADDR: `127.0.0.1:${port}`, DATABASE_URL: '', REDIS_URL: '', ...extraEnv };
  const proc = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(proc);
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  exited.then(() => running.delete(proc));
  const tail = []; // the last log lines, for failure messages
  const lines = createInterface({ input: proc.stderr });
  let addr;
  try {
    addr = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('kira did not start listening')), 30000);
      exited.then((code) => reject(new Error(`kira exited with ${code}: ${tail.join('\n')}`)));
      lines.on('line', (line) => {
        tail.push(line);
        if (tail.length > 50) tail.shift();
        try {
          const rec = JSON.parse(line);
          if (rec.msg === 'listening') { clearTimeout(timer); resolve(rec.addr); }
        } catch { /* not JSON */ }
      });
    });
  } catch (err) {
    proc.kill('SIGKILL');
    await exited;
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const url = `http://${addr}`;
  const kira = (...args) => execFileSync(BIN, args, { env }).toString().trim();
  return {
    url,
    dataDir,
    // logs returns the server's last log lines.
    logs: () => tail.join('\n'),
    // token mints a development token for a user (a new one by default).
    token(sub = randomUUID()) {
      return { sub, token: kira('token', '--sub', sub) };
    },
    // setPlan changes a user's plan with `kira plan` (thinking needs pro).
    setPlan(sub, plan) {
      kira('plan', '--sub', sub, '--plan', plan);
    },
    // addCredits grants addon credits with `kira credits`.
    addCredits(sub, n) {
      kira('credits', '--sub', sub, '--add', String(n));
    },
    async stop() {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
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
