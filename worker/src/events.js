// The Durable Object `InstanceEvents`: one per instance (named by its id), holding the
// instance's last webhooks in SQLite and its open event streams. Glue only: the worker's Rust
// (src/lib.rs, src/events.rs) checks every input and sets the limits in each call's query;
// the texts written here (stored events, pages, stream frames) come from Rust exports. Nothing
// is shared with the worker through wasm memory: the object may live in another isolate.
import { DurableObject } from "cloudflare:workers";
import { event_json, events_page, sse_event, sse_keep_alive } from "../build/waapi_edge.js";

const encoder = new TextEncoder();
// A stream whose reader is this far behind (frames written, not yet read) is closed; the
// client reconnects with Last-Event-ID and misses nothing.
const MAX_UNREAD_FRAMES = 4096;

export class InstanceEvents extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // `last_seq` only grows, so a seq is never handed out twice, even after trimming.
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta (id, last_seq) VALUES (1, 0);
    `);
    this.streams = new Set();
    this.timer = null;
  }

  async fetch(request) {
    const url = new URL(request.url);
    const q = (name) => Number(url.searchParams.get(name));
    switch (url.pathname) {
      case "/append":
        return this.append(await request.text(), q("keep"));
      case "/list":
        return this.list(q("after"), q("limit"));
      case "/stream":
        return this.stream(q("after"), q("max"), q("keepAliveMs"));
      default:
        return new Response(null, { status: 404 });
    }
  }

  // Stores one record and sends it to every open stream. No await between reading the
  // counter and inserting: the object runs one such block at a time, so seqs follow arrival.
  append(record, keep) {
    const seq = this.sql.exec("UPDATE meta SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq").one().last_seq;
    const body = event_json(seq, new Date().toISOString(), record);
    this.sql.exec("INSERT INTO events (seq, body) VALUES (?, ?)", seq, body);
    this.sql.exec("DELETE FROM events WHERE seq <= ?", seq - keep);
    const frame = encoder.encode(sse_event(seq, body));
    for (const client of this.streams) this.send(client, frame);
    return new Response(null, { status: 204 });
  }

  list(after, limit) {
    const rows = this.sql.exec("SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", after, limit).toArray();
    const next = rows.length ? rows[rows.length - 1].seq : after;
    return new Response(events_page(rows.map((r) => r.body), next), {
      headers: { "Content-Type": "application/json" },
    });
  }

  // The backlog after `after`, then live events. Both happen in this one synchronous block
  // (the client joins `streams` before anything else can be appended), so nothing is
  // missed between them and nothing is sent twice.
  stream(after, max, keepAliveMs) {
    if (this.streams.size >= max) return new Response(null, { status: 429 });
    const { readable, writable } = new TransformStream();
    const client = { writer: writable.getWriter(), unread: 0 };
    this.streams.add(client);
    // A client that went away cancels the readable side; its writer then closes.
    client.writer.closed.catch(() => {}).finally(() => this.drop(client));
    for (const row of this.sql.exec("SELECT seq, body FROM events WHERE seq > ? ORDER BY seq", after)) {
      this.send(client, encoder.encode(sse_event(row.seq, row.body)));
    }
    this.keepAlive(keepAliveMs);
    return new Response(readable, { headers: { "Content-Type": "text/event-stream" } });
  }

  send(client, frame) {
    if (!this.streams.has(client)) return;
    if (client.unread >= MAX_UNREAD_FRAMES) {
      this.drop(client);
      return;
    }
    client.unread++;
    client.writer.write(frame).then(
      () => client.unread--,
      () => this.drop(client),
    );
  }

  drop(client) {
    if (!this.streams.delete(client)) return;
    client.writer.abort().catch(() => {});
    if (this.streams.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  keepAlive(ms) {
    if (this.timer !== null) return;
    const frame = encoder.encode(sse_keep_alive());
    this.timer = setInterval(() => {
      for (const client of this.streams) this.send(client, frame);
    }, ms);
  }
}
