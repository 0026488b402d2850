// Conformance of kira's realtime push with the real Centrifugo JavaScript
// client (centrifuge-js over ws): a user asks the agent (through ai@5's
// transport) for a video and a song and sees each task go pending →
// processing → completed on its thread channel; foreign channels and bad
// tokens are refused. The same flow runs on one embedded instance and on two
// instances sharing Postgres + Redis (HTTP to one, websocket to the other).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultChatTransport } from 'ai';
import { UnauthorizedError, disconnectedCodes } from 'centrifuge';
import { startKira, newThread } from './kira.mjs';
import { connect, subscribe, channel, craftToken } from './realtime.mjs';

const FINAL = new Set(['completed', 'failed', 'cancelled', 'insufficient_credits', 'insufficient_plan']);
const FAST = { LLM_TOKEN_DELAY: '1ms' };

// ask sends one user message through ai@5's transport, reads the run to its
// end and returns the task the agent's media tool created.
async function ask(kira, auth, threadId, text, tool) {
  const transport = new DefaultChatTransport({
    api: `${kira.url}/agent/streaming`,
    headers: { authorization: `Bearer ${auth.token}` },
  });
  const stream = await transport.sendMessages({
    chatId: threadId, trigger: 'submit-message', messageId: undefined, abortSignal: undefined,
    messages: [{ id: `u${Date.now()}`, role: 'user', parts: [{ type: 'text', text }] }],
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const call = chunks.find((c) => c.type === 'tool-input-available' && c.toolName === tool);
  assert.ok(call, `the agent did not call ${tool}: ${JSON.stringify(chunks.map((c) => c.type))}`);
  const out = chunks.find((c) => c.type === 'tool-output-available' && c.toolCallId === call.toolCallId);
  const task = out?.output?.video ?? out?.output?.audio;
  assert.ok(task?.taskId, `${tool} output without a task: ${JSON.stringify(out)}`);
  return task;
}

// statuses waits for taskId's events of kind until a final status.
async function statuses(pubs, kind, taskId) {
  const mine = (p) => p.type === kind && p.taskId === taskId;
  await pubs.until((p) => mine(p) && FINAL.has(p.status), `a final ${kind} for ${taskId}`, 90000);
  return pubs.items.filter(mine);
}

async function fetchBytes(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url}`);
  return { type: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
}

const ascii = (b, from, to) => b.subarray(from, to).toString('latin1');

async function assertImage(url) {
  const { type, bytes } = await fetchBytes(url);
  assert.match(type, /^image\//, `${url} is ${type}`);
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const webp = ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP';
  assert.ok(png || jpeg || webp, `${url} (${type}) is neither PNG, JPEG nor WebP`);
}

async function assertVideo(video) {
  const { bytes } = await fetchBytes(video.url);
  assert.ok(bytes.length > 1000, `video of ${bytes.length} bytes`);
  assert.equal(ascii(bytes, 4, 8), 'ftyp', 'the video is not an MP4');
  await assertImage(video.thumbUrl);
}

async function assertAudio(audio) {
  const { bytes } = await fetchBytes(audio.url);
  assert.ok(bytes.length > 1000, `song of ${bytes.length} bytes`);
  const wav = ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WAVE';
  const mp3 = ascii(bytes, 0, 3) === 'ID3' || (bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0);
  assert.ok(wav || mp3, `the song is neither WAV nor MP3 (starts ${bytes.subarray(0, 12).toString('hex')})`);
  await assertImage(audio.coverUrl);
}

// newUser makes a user who can afford a video (paid plan, 60 credits) and a
// song (25) on top of the sign-up bonus.
function newUser(kira) {
  const auth = kira.token();
  kira.setPlan(auth.sub, 'pro');
  kira.addCredits(auth.sub, 100);
  return auth;
}

// mediaFlow is the suite both deployments run: http takes the agent
// request; every instance in watchers serves a websocket subscribed to the
// thread, and each must see every status exactly once, in order.
async function mediaFlow(http, watchers) {
  const auth = newUser(http);
  const threadId = await newThread(http, auth);
  const clients = [];
  try {
    const feeds = [];
    for (const ws of watchers) {
      const { client } = await connect(ws, auth.token, { getToken: async () => auth.token });
      clients.push(client);
      feeds.push({ url: ws.url, pubs: (await subscribe(client, channel(auth.sub, threadId))).pubs });
    }
    const cases = [
      { ask: 'make a video of waves at sunset', tool: 'generateVideo', kind: 'video_status', media: 'video', check: assertVideo },
      { ask: 'write a song about the sea', tool: 'generateMusic', kind: 'audio_status', media: 'audio', check: assertAudio },
    ];
    const seen = [];
    for (const c of cases) {
      const task = await ask(http, auth, threadId, c.ask, c.tool);
      seen.push({ ...c, taskId: task.taskId });
      for (const { url, pubs } of feeds) {
        const evs = await statuses(pubs, c.kind, task.taskId);
        assert.deepEqual(evs.map((e) => e.status), ['pending', 'processing', 'completed'], `${c.kind} sequence on ${url}`);
        for (const e of evs) assert.equal(e[c.media]?.taskId, task.taskId, `${c.kind} payload names its task`);
        const done = evs.at(-1)[c.media];
        assert.equal(done.status, 'completed');
        await c.check(done);
      }
    }
    // Nothing arrived late (a second worker re-announcing a task, say)
    // while the later task ran.
    for (const c of seen) {
      for (const { url, pubs } of feeds) {
        const all = pubs.items.filter((p) => p.taskId === c.taskId).map((p) => p.status);
        assert.deepEqual(all, ['pending', 'processing', 'completed'], `${c.kind} events on ${url} in the end`);
      }
    }
  } catch (err) {
    for (const k of new Set([http, ...watchers])) err.message += `\n--- ${k.url} log tail ---\n${k.logs()}`;
    throw err;
  } finally {
    for (const client of clients) client.disconnect();
  }
}

describe('embedded realtime node (SQLite, in-memory broker)', () => {
  let kira;
  before(async () => { kira = await startKira(FAST); });
  after(async () => { await kira?.stop(); });

  test('the agent\'s video and song arrive pending → processing → completed, media fetchable', { timeout: 180000 }, async () => {
    await mediaFlow(kira, [kira]);
  });

  test('a subscription to another user\'s channel is refused with 103', { timeout: 30000 }, async () => {
    const a = kira.token();
    const b = kira.token();
    const threadId = await newThread(kira, a);
    const { client } = await connect(kira, a.token, { getToken: async () => a.token });
    try {
      const { events } = await subscribe(client, channel(b.sub, threadId), { expectRefusal: true });
      const gone = await events.until((e) => e.event === 'unsubscribed', 'the refusal');
      assert.equal(gone.code, 103, `refused with ${JSON.stringify(gone)}`);
      assert.ok(!events.items.some((e) => e.event === 'subscribed'), 'subscribed to a foreign channel');
      // The connection itself stays usable for the user's own channel.
      await subscribe(client, channel(a.sub, threadId));
    } finally {
      client.disconnect();
    }
  });

  test('a forged token never connects (3500)', { timeout: 30000 }, async () => {
    const a = kira.token();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = craftToken(a.token, privateKey);
    const { client, events } = await connect(kira, forged, { wait: false });
    try {
      const gone = await events.until((e) => e.event === 'disconnected', 'the refusal');
      assert.equal(gone.code, 3500, `disconnected with ${JSON.stringify(gone)}`);
      assert.ok(!events.items.some((e) => e.event === 'connected'), 'connected with a forged token');
    } finally {
      client.disconnect();
    }
  });

  test('an expired token gets 109, asks getToken, and never connects', { timeout: 30000 }, async () => {
    const a = kira.token();
    const devKey = join(kira.dataDir, 'jwt-dev-key.pem');
    const now = Math.floor(Date.now() / 1000);
    // Well past the verifier's 30 s leeway, so no wait is needed.
    const expired = craftToken(a.token, devKey, { iat: now - 3600, exp: now - 600 });
    // The same crafting with a live exp connects: the refusal is the expiry's.
    const live = await connect(kira, craftToken(a.token, devKey, { iat: now, exp: now + 600 }));
    live.client.disconnect();

    let asked = 0;
    const { client, events } = await connect(kira, expired, {
      wait: false,
      getToken: async () => { asked++; throw new UnauthorizedError('signed out'); },
    });
    try {
      const err = await events.until((e) => e.event === 'error', 'the connect error');
      assert.equal(err.code, 109, `connect error ${JSON.stringify(err)}`);
      const gone = await events.until((e) => e.event === 'disconnected', 'the disconnect after getToken gave up');
      assert.equal(gone.code, disconnectedCodes.unauthorized, `disconnected with ${JSON.stringify(gone)}`);
      assert.ok(asked >= 1, 'the client never asked for a new token');
      assert.ok(!events.items.some((e) => e.event === 'connected'), 'connected with an expired token');
    } finally {
      client.disconnect();
    }
  });
});

const PG = process.env.KIRA_TEST_DATABASE_URL;
const REDIS = process.env.KIRA_TEST_REDIS_URL || 'redis://127.0.0.1:6379/0';
const pgSkip = !PG && 'KIRA_TEST_DATABASE_URL is unset: the two-instance Postgres + Redis leg needs it (.ci/run sets it)';

function psql(sql) {
  execFileSync('psql', [PG, '-qX', '-v', 'ON_ERROR_STOP=1', '-c', 'SET client_min_messages TO warning', '-c', sql], { stdio: ['ignore', 'ignore', 'pipe'] });
}

// dropRedisKeys removes what the run left under its prefix (run logs expire
// on their own; this only keeps the shared Redis tidy), if redis-cli exists.
function dropRedisKeys(prefix) {
  try {
    const keys = execFileSync('redis-cli', ['-u', REDIS, '--scan', '--pattern', `${prefix}*`]).toString().split('\n').filter(Boolean);
    if (keys.length) execFileSync('redis-cli', ['-u', REDIS, 'del', ...keys], { stdio: 'ignore' });
  } catch { /* best effort */ }
}

describe('two instances on Postgres + Redis', { skip: pgSkip }, () => {
  const run = randomBytes(6).toString('hex');
  const schema = `kira_conf_${run}`;
  const prefix = `kira-conf-${run}:`;
  let dataDir, one, two;

  before(async () => {
    psql(`CREATE SCHEMA ${schema}`);
    const db = new URL(PG);
    db.searchParams.set('search_path', schema);
    // Shared: the development signing key (both accept the user's token)
    // and the blob directory (both serve the media files).
    dataDir = mkdtempSync(join(tmpdir(), 'kira-conformance-shared-'));
    const env = { ...FAST, DATABASE_URL: db.toString(), REDIS_URL: REDIS, REDIS_PREFIX: prefix };
    one = await startKira(env, { dataDir }); // applies the migrations
    two = await startKira(env, { dataDir });
  });

  after(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    try {
      psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } catch (err) {
      console.error(`could not drop schema ${schema}: ${err.message}`);
    }
    dropRedisKeys(prefix);
  });

  // Whichever instance's worker runs a task, the other instance's client
  // only hears of it through the Redis broker.
  test('the agent on instance 1; websockets on instance 2 and 1 both get the same sequence', { timeout: 180000 }, async () => {
    await mediaFlow(one, [two, one]);
  });
});
