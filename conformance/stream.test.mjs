// Conformance of kira's chat stream with the real, unmodified AI SDK v5
// client (ai@5.0.277): every chunk must pass the client's own schema, and the
// message the client assembles must equal the one the server stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultChatTransport, readUIMessageStream, parseJsonEventStream, uiMessageChunkSchema } from 'ai';
import { startKira, api, newThread } from './kira.mjs';
import { startFakeOpenAI } from './fake-openai.mjs';

let fast, slow, broken, fakeOpenAI;

before(async () => {
  fakeOpenAI = await startFakeOpenAI();
  [fast, slow, broken] = await Promise.all([
    startKira({ LLM_TOKEN_DELAY: '-1ms' }),
    startKira({ LLM_TOKEN_DELAY: '40ms' }),
    startKira({ LLM_PROVIDER: 'openai', LLM_BASE_URL: fakeOpenAI.url, LLM_MODEL: 'fake', LLM_API_KEY: 'test' }),
  ]);
});

after(async () => {
  await Promise.all([fast, slow, broken].filter(Boolean).map((k) => k.stop()));
  await fakeOpenAI?.close();
});

function transport(kira, auth) {
  return new DefaultChatTransport({
    api: `${kira.url}/agent/streaming`,
    headers: { authorization: `Bearer ${auth.token}` },
    prepareReconnectToStreamRequest: ({ id }) => ({ api: `${kira.url}/agent/stream/${id}` }),
  });
}

const userMessage = (id, text) => ({ id, role: 'user', parts: [{ type: 'text', text }] });

function send(kira, auth, threadId, text, body = {}) {
  return transport(kira, auth).sendMessages({
    chatId: threadId, trigger: 'submit-message', messageId: undefined,
    messages: [userMessage(`u${Date.now()}`, text)], abortSignal: undefined, body,
  });
}

async function readAll(stream) {
  const out = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

// assemble folds chunks into a message exactly as useChat does.
async function assemble(chunks) {
  let last;
  for await (const m of readUIMessageStream({ stream: ReadableStream.from(chunks) })) last = m;
  return JSON.parse(JSON.stringify(last));
}

async function storedLast(kira, auth, threadId) {
  const r = await api(kira, auth, 'GET', `/agent/chatMessages/${threadId}`);
  assert.equal(r.status, 200);
  return r.body.messages.at(-1);
}

async function waitIdle(kira, auth, threadId) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    const r = await api(kira, auth, 'GET', `/agent/task/${threadId}/status`);
    if (r.body.status === 'idle') return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('run did not finish');
}

test('every raw chunk passes the client schema, with the protocol headers', async () => {
  const auth = fast.token();
  const threadId = await newThread(fast, auth);
  const res = await fetch(`${fast.url}/agent/streaming`, {
    method: 'POST',
    headers: { authorization: `Bearer ${auth.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: threadId, messages: [userMessage('u2', 'draw a cat')] }),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-vercel-ai-ui-message-stream'), 'v1');
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const results = await readAll(parseJsonEventStream({ stream: res.body, schema: uiMessageChunkSchema }));
  assert.ok(results.length > 5);
  for (const r of results) assert.ok(r.success, `chunk rejected by the client: ${JSON.stringify(r.error?.message ?? r)}`);
  assert.equal(results[0].value.type, 'start');
  assert.equal(results.at(-1).value.type, 'finish');
});

test('a reply with an image tool: the assembled message equals the stored one', async () => {
  const auth = fast.token();
  const threadId = await newThread(fast, auth);
  const chunks = await readAll(await send(fast, auth, threadId, 'draw a fox in the snow'));
  const msg = await assemble(chunks);
  const tool = msg.parts.find((p) => p.type === 'tool-generateImage');
  assert.equal(tool.state, 'output-available');
  assert.equal(tool.output.images.length, 1);
  const img = await fetch(tool.output.images[0].url);
  assert.equal(img.status, 200, 'signed image URL must be fetchable');
  assert.equal(img.headers.get('content-type'), 'image/png');
  const stored = await storedLast(fast, auth, threadId);
  assert.equal(stored.id, msg.id);
  assert.deepEqual(stored.parts, msg.parts);
});

test('a video request answers with a pending video task', async () => {
  const auth = fast.token();
  const threadId = await newThread(fast, auth);
  const msg = await assemble(await readAll(await send(fast, auth, threadId, 'make a video of waves at sunset')));
  const tool = msg.parts.find((p) => p.type === 'tool-generateVideo');
  assert.equal(tool.output.video.status, 'pending');
  assert.deepEqual((await storedLast(fast, auth, threadId)).parts, msg.parts);
});

test('thinking mode streams reasoning (pro plan), and is refused on free', async () => {
  const auth = fast.token();
  const threadId = await newThread(fast, auth);
  await assert.rejects(send(fast, auth, threadId, 'draw a tree', { thinking: true }), /insufficient_plan/);
  fast.setPlan(auth.sub, 'pro');
  const msg = await assemble(await readAll(await send(fast, auth, threadId, 'draw a tree', { thinking: true })));
  assert.ok(msg.parts.some((p) => p.type === 'reasoning' && p.text.length > 0), 'no reasoning part');
  assert.deepEqual((await storedLast(fast, auth, threadId)).parts, msg.parts);
});

test('an upstream failure mid-stream ends with an error chunk the client accepts', async () => {
  const auth = broken.token();
  const threadId = await newThread(broken, auth);
  const chunks = await readAll(await send(broken, auth, threadId, 'hello'));
  assert.equal(chunks.at(-1).type, 'error');
  assert.ok(chunks.some((c) => c.type === 'text-delta'), 'text before the failure must have streamed');
  await waitIdle(broken, auth, threadId);
  const stored = await storedLast(broken, auth, threadId);
  assert.equal(stored.metadata.status, 'error');
});

test('reconnect mid-run replays from the start; after the end it is 204', async () => {
  const auth = slow.token();
  const threadId = await newThread(slow, auth);
  const abort = new AbortController();
  const first = await transport(slow, auth).sendMessages({
    chatId: threadId, trigger: 'submit-message', messages: [userMessage('u2', 'draw a lighthouse')], abortSignal: abort.signal,
  });
  const reader = first.getReader();
  await reader.read();
  await reader.read();
  abort.abort(); // the tab closes; the run goes on
  const resumed = await transport(slow, auth).reconnectToStream({ chatId: threadId });
  assert.ok(resumed, 'an active run must be resumable');
  const chunks = await readAll(resumed);
  assert.equal(chunks[0].type, 'start');
  const msg = await assemble(chunks);
  await waitIdle(slow, auth, threadId);
  assert.deepEqual((await storedLast(slow, auth, threadId)).parts, msg.parts);
  assert.equal(await transport(slow, auth).reconnectToStream({ chatId: threadId }), null);
});

test('stop saves the partial message as stopped and ends every viewer', async () => {
  const auth = slow.token();
  const threadId = await newThread(slow, auth);
  const stream = await send(slow, auth, threadId, 'write a long story about a dragon and draw it');
  const reader = stream.getReader();
  await reader.read();
  const stop = await api(slow, auth, 'POST', `/agent/task/${threadId}/stop`);
  assert.deepEqual(stop.body, { message: 'ok', stopped: true });
  const rest = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest.push(value);
  }
  assert.equal(rest.at(-1).type, 'finish');
  const stored = await storedLast(slow, auth, threadId);
  assert.equal(stored.metadata.status, 'stopped');
  const again = await api(slow, auth, 'POST', `/agent/task/${threadId}/stop`);
  assert.equal(again.body.stopped, false);
});

test('two viewers of one run each get every chunk once, in order', async () => {
  const auth = slow.token();
  const threadId = await newThread(slow, auth);
  const firstStream = await send(slow, auth, threadId, 'draw two owls');
  const second = await transport(slow, auth).reconnectToStream({ chatId: threadId });
  const [a, b] = await Promise.all([readAll(firstStream), readAll(second)]);
  assert.deepEqual(a, b);
  assert.deepEqual(await assemble(a), await assemble(b));
});
