/**
 * A local stand-in for Discord, speaking its protocol the way discord.js 14 and the HTTP interactions
 * endpoint use it, so the bot can be tested end to end without reaching discord.com:
 *
 * - REST under `http://127.0.0.1:PORT/api/v10` (discord.js Client option `rest.api` = `.../api`):
 *   `GET /gateway/bot`, interaction callbacks, the webhook routes of follow-ups and `@original`
 *   (JSON or multipart with `payload_json` + `files[n]`), and command registration (`PUT`).
 * - A WebSocket gateway at `ws://127.0.0.1:PORT/gateway` with JSON encoding and no compression:
 *   HELLO, IDENTIFY -> READY, heartbeats and ACKs (or none, for a zombie connection),
 *   INTERACTION_CREATE dispatches, opcode 7 RECONNECT, dropped sockets, RESUME -> RESUMED with the
 *   missed events replayed, and INVALID_SESSION for a forgotten session.
 *
 * Every REST request is recorded; tests wait for the ones they expect with {@link FakeDiscord.waitFor}.
 *
 * @module
 */

/** A file part of a multipart request. */
export interface RecordedFile {
  field: string;
  name: string;
  type: string;
  data: Uint8Array;
}

/** One REST request as the fake Discord received it. */
export interface RecordedRequest {
  method: string;
  /** The path below `/api/v10`, e.g. `/interactions/1/abc/callback`. */
  path: string;
  headers: Headers;
  /** The JSON body, or the parsed `payload_json` of a multipart body. */
  json: Record<string, unknown> | undefined;
  files: RecordedFile[];
  /** `performance.now()` when the request arrived. */
  at: number;
}

/** Counters of what happened on the gateway. */
export interface GatewayStats {
  connections: number;
  identifies: number;
  resumes: number;
  /** Resumes that named a known session and got RESUMED. */
  resumed: number;
  heartbeats: number;
  /** Gateway close codes the client sent. */
  clientCloseCodes: number[];
}

/** A command option as Discord sends it inside an interaction. */
export interface InteractionOption {
  name: string;
  type: number;
  value: string | number | boolean;
}

/** What {@link FakeDiscord.interactionPayload} needs to build an APPLICATION_COMMAND interaction. */
export interface InteractionSpec {
  name: string;
  options?: Record<string, string>;
  userId?: string;
  username?: string;
}

interface Session {
  id: string;
  seq: number;
  /** Dispatches sent in this session, for replay after a resume. */
  sent: { seq: number; payload: string }[];
}

const OP = {
  DISPATCH: 0,
  HEARTBEAT: 1,
  IDENTIFY: 2,
  RESUME: 6,
  RECONNECT: 7,
  INVALID_SESSION: 9,
  HELLO: 10,
  HEARTBEAT_ACK: 11,
} as const;

/** The application id the fake Discord uses. */
export const APPLICATION_ID = "1100000000000000001";
/** The bot user's id. */
export const BOT_USER_ID = "1100000000000000002";
const GUILD_ID = "1100000000000000003";
const CHANNEL_ID = "1100000000000000004";

let snowflakeCounter = 0n;
function snowflake(): string {
  // Discord ids are snowflakes: a timestamp since 2015 shifted left by 22 bits, plus a counter.
  return String(((BigInt(Date.now()) - 1420070400000n) << 22n) + (snowflakeCounter++ % 4096n));
}

/** A running fake Discord: REST + gateway on one local port. */
export class FakeDiscord {
  /** REST requests in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly stats: GatewayStats = {
    connections: 0,
    identifies: 0,
    resumes: 0,
    resumed: 0,
    heartbeats: 0,
    clientCloseCodes: [],
  };
  /** The token the bot must send as `Authorization: Bot <token>`. */
  readonly token: string;
  #server: Deno.HttpServer<Deno.NetAddr>;
  #heartbeatInterval: number;
  #sessions = new Map<string, Session>();
  #socket: WebSocket | undefined;
  #session: Session | undefined;
  #listeners = new Set<() => void>();
  #ackHeartbeats = true;

  private constructor(token: string, heartbeatInterval: number) {
    this.token = token;
    this.#heartbeatInterval = heartbeatInterval;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (request) => this.#handle(request),
    );
  }

  /**
   * Starts a fake Discord on a free local port.
   *
   * @param options `token` the bot must present; `heartbeatInterval` in ms sent in HELLO.
   */
  static start(options: { token?: string; heartbeatInterval?: number } = {}): FakeDiscord {
    return new FakeDiscord(
      options.token ?? "test-token.not-a-secret",
      options.heartbeatInterval ?? 1500,
    );
  }

  /** The port the server listens on. */
  get port(): number {
    return this.#server.addr.port;
  }

  /** The value for discord.js's `rest.api` option. */
  get apiBase(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** Whether a bot is connected with an identified or resumed session. */
  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN && this.#session !== undefined;
  }

  /** Stops the server and closes the gateway socket. */
  async close(): Promise<void> {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.close(1001, "server stopping");
    await this.#server.shutdown();
  }

  /**
   * Waits until `check` returns something truthy; re-checked after every REST request and gateway
   * event.
   *
   * @throws Error naming `what` after `timeoutMs`.
   */
  until<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
    const first = check();
    if (first) return Promise.resolve(first);
    return new Promise((resolve, reject) => {
      const listener = () => {
        const value = check();
        if (value) {
          clearTimeout(timer);
          this.#listeners.delete(listener);
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.#listeners.add(listener);
    });
  }

  /** Waits for the first recorded REST request that matches. */
  waitFor(
    match: (request: RecordedRequest) => boolean,
    what: string,
    timeoutMs = 10_000,
  ): Promise<RecordedRequest> {
    return this.until(() => this.requests.find(match), what, timeoutMs);
  }

  /** Waits until a bot holds an open, identified session. */
  waitConnected(timeoutMs = 20_000): Promise<true> {
    return this.until(() => this.connected, "the bot to connect to the gateway", timeoutMs);
  }

  /** Builds an APPLICATION_COMMAND interaction as Discord sends it (gateway and HTTP alike). */
  interactionPayload(spec: InteractionSpec): Record<string, unknown> {
    const userId = spec.userId ?? "1200000000000000001";
    const user = {
      id: userId,
      username: spec.username ?? `user${userId.slice(-4)}`,
      discriminator: "0",
      global_name: null,
      avatar: null,
    };
    const options: InteractionOption[] = Object.entries(spec.options ?? {}).map((
      [name, value],
    ) => ({ name, type: 3, value }));
    return {
      id: snowflake(),
      application_id: APPLICATION_ID,
      type: 2,
      token: `itoken-${crypto.randomUUID()}`,
      version: 1,
      guild_id: GUILD_ID,
      channel_id: CHANNEL_ID,
      channel: { id: CHANNEL_ID, type: 0, guild_id: GUILD_ID, name: "general" },
      member: {
        user,
        roles: [],
        joined_at: "2024-01-01T00:00:00.000000+00:00",
        deaf: false,
        mute: false,
        flags: 0,
        permissions: "2248473465835073",
      },
      app_permissions: "2248473465835073",
      locale: "en-US",
      guild_locale: "en-US",
      entitlements: [],
      authorizing_integration_owners: { "0": GUILD_ID },
      context: 0,
      data: { id: snowflake(), name: spec.name, type: 1, options },
    };
  }

  /**
   * Sends an interaction to the connected bot as an INTERACTION_CREATE dispatch.
   *
   * @returns The interaction's id and token, which name its callback and webhook routes.
   */
  sendInteraction(spec: InteractionSpec): { id: string; token: string; sentAt: number } {
    const payload = this.interactionPayload(spec);
    const sentAt = performance.now();
    this.#dispatch("INTERACTION_CREATE", payload);
    return { id: payload.id as string, token: payload.token as string, sentAt };
  }

  /** Asks the bot to reconnect and resume (opcode 7 RECONNECT), as Discord does before maintenance. */
  requestReconnect(): void {
    this.#socket?.send(JSON.stringify({ op: OP.RECONNECT, d: null, s: null, t: null }));
  }

  /**
   * Drops the gateway connection without a RECONNECT first, as a network failure or a Discord
   * restart does (close code 4000, "unknown error": the client may resume).
   */
  dropConnection(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close(4000, "connection dropped by the test server");
  }

  /**
   * Stops (or resumes) acknowledging heartbeats, as a half-dead connection does: the client must
   * notice the missing ACK, close the zombie connection and resume.
   */
  setHeartbeatAcks(on: boolean): void {
    this.#ackHeartbeats = on;
  }

  /**
   * Forgets every session, as Discord does after a long outage: the next RESUME gets
   * INVALID_SESSION (not resumable) and the client must IDENTIFY again.
   */
  forgetSessions(): void {
    this.#sessions.clear();
  }

  /** The interaction callback (initial response) recorded for an interaction. */
  callbackOf(interaction: { id: string; token: string }): RecordedRequest | undefined {
    return this.requests.find((r) =>
      r.method === "POST" &&
      r.path === `/interactions/${interaction.id}/${interaction.token}/callback`
    );
  }

  /** The requests made on an interaction's webhook (edits of @original, follow-ups, deletes). */
  webhookRequestsOf(interaction: { token: string }): RecordedRequest[] {
    const prefix = `/webhooks/${APPLICATION_ID}/${interaction.token}`;
    return this.requests.filter((r) => r.path.startsWith(prefix));
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #dispatch(type: string, data: unknown): void {
    const session = this.#session;
    if (!session) throw new Error("Cannot dispatch: no bot is connected to the gateway");
    session.seq += 1;
    const payload = JSON.stringify({ op: OP.DISPATCH, t: type, s: session.seq, d: data });
    session.sent.push({ seq: session.seq, payload });
    // While the bot is away the event is kept and replayed when it resumes, as Discord does.
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(payload);
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/gateway") return this.#upgrade(request);
    const prefix = "/api/v10";
    if (!url.pathname.startsWith(prefix)) {
      return Response.json({ message: "404: Not Found", code: 0 }, { status: 404 });
    }
    // discord.js percent-encodes path segments (`%40original`); routes are matched decoded.
    const path = decodeURIComponent(url.pathname.slice(prefix.length));
    const recorded: RecordedRequest = {
      method: request.method,
      path,
      headers: request.headers,
      json: undefined,
      files: [],
      at: performance.now(),
    };
    const type = request.headers.get("content-type") ?? "";
    if (type.startsWith("multipart/form-data")) {
      const form = await request.formData();
      for (const [field, value] of form.entries()) {
        if (typeof value === "string") {
          if (field === "payload_json") recorded.json = JSON.parse(value);
        } else {
          recorded.files.push({
            field,
            name: value.name,
            type: value.type,
            data: new Uint8Array(await value.arrayBuffer()),
          });
        }
      }
    } else if (type.startsWith("application/json")) {
      recorded.json = await request.json();
    }
    this.requests.push(recorded);
    const response = this.#route(recorded, url);
    this.#notify();
    return response;
  }

  #authorized(request: RecordedRequest): boolean {
    return request.headers.get("authorization") === `Bot ${this.token}`;
  }

  #route(request: RecordedRequest, url: URL): Response {
    const { method, path } = request;
    const unauthorized = () =>
      Response.json({ message: "401: Unauthorized", code: 0 }, { status: 401 });
    if (method === "GET" && path === "/gateway/bot") {
      if (!this.#authorized(request)) return unauthorized();
      return Response.json({
        url: `ws://127.0.0.1:${this.port}/gateway`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      });
    }
    if (method === "POST" && /^\/interactions\/\d+\/[^/]+\/callback$/.test(path)) {
      if (url.searchParams.get("with_response") === "true") {
        return Response.json({ interaction: { id: path.split("/")[2], type: 2 } });
      }
      return new Response(null, { status: 204 });
    }
    const webhook = path.match(/^\/webhooks\/(\d+)\/([^/]+)(\/messages\/@original)?$/);
    if (webhook) {
      if (webhook[1] !== APPLICATION_ID) {
        return Response.json({ message: "Unknown Webhook", code: 10015 }, { status: 404 });
      }
      if (method === "DELETE") return new Response(null, { status: 204 });
      if (method === "PATCH" || method === "POST") return Response.json(this.#message(request));
    }
    const commands = path.match(/^\/applications\/(\d+)(\/guilds\/\d+)?\/commands$/);
    if (commands && method === "PUT") {
      if (!this.#authorized(request)) return unauthorized();
      const list = Array.isArray(request.json) ? request.json as Record<string, unknown>[] : [];
      return Response.json(
        list.map((command) => ({ ...command, id: snowflake(), application_id: commands[1] })),
      );
    }
    return Response.json({ message: "404: Not Found", code: 0 }, { status: 404 });
  }

  /** A message object as Discord returns it for a webhook edit or follow-up. */
  #message(request: RecordedRequest): Record<string, unknown> {
    const body = request.json ?? {};
    return {
      id: snowflake(),
      type: 20,
      channel_id: CHANNEL_ID,
      application_id: APPLICATION_ID,
      webhook_id: APPLICATION_ID,
      author: {
        id: BOT_USER_ID,
        username: "glassbox",
        discriminator: "0",
        avatar: null,
        bot: true,
      },
      content: body.content ?? "",
      embeds: body.embeds ?? [],
      components: [],
      attachments: request.files.map((file, index) => ({
        id: String(index),
        filename: file.name,
        size: file.data.length,
        url: `http://127.0.0.1:${this.port}/attachments/${file.name}`,
        proxy_url: `http://127.0.0.1:${this.port}/attachments/${file.name}`,
        content_type: file.type,
      })),
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      timestamp: new Date().toISOString(),
      edited_timestamp: request.method === "PATCH" ? new Date().toISOString() : null,
      flags: body.flags ?? 0,
    };
  }

  #upgrade(request: Request): Response {
    const url = new URL(request.url);
    if (url.searchParams.get("encoding") !== "json" || url.searchParams.has("compress")) {
      return new Response("the test gateway speaks JSON without compression", { status: 400 });
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    this.stats.connections += 1;
    socket.onopen = () => {
      socket.send(JSON.stringify({
        op: OP.HELLO,
        d: { heartbeat_interval: this.#heartbeatInterval },
        s: null,
        t: null,
      }));
    };
    socket.onmessage = (event) => this.#onGatewayMessage(socket, JSON.parse(event.data));
    socket.onclose = (event) => {
      if (event.code !== 1005 && event.code !== 4000) this.stats.clientCloseCodes.push(event.code);
      if (this.#socket === socket) this.#socket = undefined;
      this.#notify();
    };
    return response;
  }

  #onGatewayMessage(socket: WebSocket, message: { op: number; d: Record<string, unknown> }): void {
    switch (message.op) {
      case OP.HEARTBEAT:
        this.stats.heartbeats += 1;
        if (this.#ackHeartbeats) {
          socket.send(JSON.stringify({ op: OP.HEARTBEAT_ACK, d: null, s: null, t: null }));
        }
        break;
      case OP.IDENTIFY: {
        if (message.d.token !== this.token) {
          socket.close(4004, "Authentication failed.");
          break;
        }
        this.stats.identifies += 1;
        const session: Session = { id: crypto.randomUUID().replaceAll("-", ""), seq: 0, sent: [] };
        this.#sessions.set(session.id, session);
        this.#socket = socket;
        this.#session = session;
        this.#dispatch("READY", {
          v: 10,
          user: {
            id: BOT_USER_ID,
            username: "glassbox",
            discriminator: "0",
            global_name: null,
            avatar: null,
            bot: true,
            verified: true,
            flags: 0,
          },
          guilds: [],
          session_id: session.id,
          resume_gateway_url: `ws://127.0.0.1:${this.port}/gateway`,
          shard: [0, 1],
          application: { id: APPLICATION_ID, flags: 0 },
        });
        break;
      }
      case OP.RESUME: {
        this.stats.resumes += 1;
        const session = this.#sessions.get(String(message.d.session_id));
        if (!session || message.d.token !== this.token) {
          socket.send(JSON.stringify({ op: OP.INVALID_SESSION, d: false, s: null, t: null }));
          break;
        }
        this.stats.resumed += 1;
        this.#socket = socket;
        this.#session = session;
        const after = Number(message.d.seq);
        for (const missed of session.sent) if (missed.seq > after) socket.send(missed.payload);
        this.#dispatch("RESUMED", null);
        break;
      }
    }
    this.#notify();
  }
}
