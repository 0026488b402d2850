// Helpers around the real Centrifugo JavaScript client (centrifuge-js) for
// kira's embedded realtime node, and a JWT crafter for refusal tests.
import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';

// channel is a user's channel of one thread (STREAMING.md §6).
export const channel = (userId, threadId) => `${userId}/${threadId}#${userId}`;

// Recorder keeps every event in arrival order and lets a test wait, with a
// deadline, for the first one matching a predicate.
export class Recorder {
  items = [];
  #wake = new Set();

  push(item) {
    this.items.push(item);
    for (const wake of [...this.#wake]) wake();
  }

  until(pred, what, ms = 30000) {
    const hit = this.items.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const done = () => { clearTimeout(timer); this.#wake.delete(wake); };
      const wake = () => {
        const found = this.items.find(pred);
        if (found) { done(); resolve(found); }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; saw ${JSON.stringify(this.items).slice(0, 4000)}`));
      }, ms);
      this.#wake.add(wake);
    });
  }
}

// connect opens a centrifuge-js client on kira's websocket. With wait (the
// default) it resolves once connected and fails on a refusal; without, the
// test inspects events itself.
export async function connect(kira, token, { getToken, wait = true } = {}) {
  const url = `${kira.url.replace(/^http/, 'ws')}/connection/websocket`;
  // Node 20 has no global WebSocket in every build: hand the client ws.
  const opts = { token, websocket: WebSocket, minReconnectDelay: 50, maxReconnectDelay: 500, timeout: 5000 };
  // Only when given: an explicit undefined would replace the client's null
  // default and change how it treats an expired token.
  if (getToken) opts.getToken = getToken;
  const client = new Centrifuge(url, opts);
  const events = new Recorder();
  client.on('connected', () => events.push({ event: 'connected' }));
  client.on('disconnected', (ctx) => events.push({ event: 'disconnected', code: ctx.code, reason: ctx.reason }));
  client.on('error', (ctx) => events.push({ event: 'error', type: ctx.type, code: ctx.error?.code, message: ctx.error?.message }));
  client.connect();
  if (wait) {
    try {
      const first = await events.until((e) => e.event === 'connected' || e.event === 'disconnected', 'connected');
      assert.equal(first.event, 'connected', `connect refused: ${JSON.stringify(events.items)}`);
    } catch (err) {
      client.disconnect();
      throw err;
    }
  }
  return { client, events };
}

// subscribe subscribes client to ch; publications' data arrive in pubs.
// Unless a refusal is expected it resolves once subscribed.
export async function subscribe(client, ch, { expectRefusal = false } = {}) {
  const sub = client.newSubscription(ch);
  const events = new Recorder();
  const pubs = new Recorder();
  sub.on('subscribed', () => events.push({ event: 'subscribed' }));
  sub.on('unsubscribed', (ctx) => events.push({ event: 'unsubscribed', code: ctx.code, reason: ctx.reason }));
  sub.on('error', (ctx) => events.push({ event: 'error', type: ctx.type, code: ctx.error?.code, message: ctx.error?.message }));
  sub.on('publication', (ctx) => pubs.push(ctx.data));
  sub.subscribe();
  if (!expectRefusal) {
    const first = await events.until((e) => e.event === 'subscribed' || e.event === 'unsubscribed', `subscribed to ${ch}`);
    assert.equal(first.event, 'subscribed', `subscribe to ${ch} refused: ${JSON.stringify(events.items)}`);
  }
  return { sub, events, pubs };
}

// craftToken re-signs template (a token from `kira token`: ES256 with a
// kid) with key (a KeyObject, or the path of a PEM file), its claims
// overridden by claims. Another key gives a forged token; the server's
// development key with a past exp gives a genuinely expired one.
export function craftToken(template, key, claims = {}) {
  const [header, payload] = template.split('.');
  const body = { ...JSON.parse(Buffer.from(payload, 'base64url')), ...claims };
  const input = `${header}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
  const keyObject = typeof key === 'string' ? createPrivateKey(readFileSync(key)) : key;
  const sig = sign('sha256', Buffer.from(input), { key: keyObject, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}
