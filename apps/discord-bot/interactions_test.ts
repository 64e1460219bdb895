import assert from "node:assert/strict";
import type { Explanation, Model } from "@glassbox/core";
import { discordInteractions, type DiscordInteractionsOptions } from "./interactions.ts";

const APPLICATION_ID = "1100000000000000001";

const explanation: Explanation = {
  schemaVersion: 1,
  model: { id: "m", task: "text-classification", architecture: "X" },
  text: "good",
  tokens: [{ id: 1, text: "good", start: 0, end: 4, special: false }],
  predictions: [{ id: 1, label: "POSITIVE", probability: 0.9, logit: 2 }],
  target: { id: 1, label: "POSITIVE", probability: 0.9, position: 0 },
  method: { id: "occlusion", output: "logit", params: {} },
  scores: [1.5],
  words: [{ text: "good", start: 0, end: 4, tokens: [0, 0], score: 1.5 }],
  diagnostics: { elapsedMs: 1, forwardPasses: 2, backwardPasses: 0, backend: "test" },
};

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** An endpoint with stub computation, a scripted `fetch` and a generated key. */
async function endpoint(
  responses: Response[],
  overrides: Partial<DiscordInteractionsOptions> = {},
) {
  const keys = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const sent: { method: string; url: string }[] = [];
  const errors: string[] = [];
  const extended: Promise<unknown>[] = [];
  const app = discordInteractions({
    publicKey: hex(await crypto.subtle.exportKey("raw", keys.publicKey)),
    applicationId: APPLICATION_ID,
    models: ["m"],
    loadModel: () => Promise.resolve({ id: "m" } as Model),
    explain: () => Promise.resolve(explanation),
    renderPng: () => Promise.resolve(new Uint8Array([137, 80, 78, 71])),
    restBase: "http://discord.test/api",
    fetch: (input, init) => {
      sent.push({ method: String(init?.method), url: String(input) });
      return Promise.resolve(responses.shift() ?? new Response(null, { status: 204 }));
    },
    waitUntil: (promise) => extended.push(promise),
    logError: (message, error) => errors.push(`${message} ${(error as Error).message}`),
    ...overrides,
  });
  const command = async (token: string) => {
    const body = JSON.stringify({
      type: 2,
      token,
      member: { user: { id: "42" } },
      data: { name: "explain", options: [{ name: "text", type: 3, value: "good" }] },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = hex(
      await crypto.subtle.sign(
        { name: "Ed25519" },
        keys.privateKey,
        new TextEncoder().encode(timestamp + body),
      ),
    );
    const response = await app.request("/", {
      method: "POST",
      headers: { "x-signature-ed25519": signature, "x-signature-timestamp": timestamp },
      body,
    });
    return await response.json();
  };
  return { command, sent, errors, extended };
}

Deno.test("interactions: the follow-up waits out a 429 once, inside waitUntil", async () => {
  const limited = Response.json({ retry_after: 0.01, global: false }, { status: 429 });
  const { command, sent, errors, extended } = await endpoint([limited]);
  assert.deepEqual(await command("tok"), { type: 5 });
  assert.equal(extended.length, 1);
  await extended[0];
  const edit = `http://discord.test/api/v10/webhooks/${APPLICATION_ID}/tok/messages/@original`;
  assert.deepEqual(sent, [{ method: "PATCH", url: edit }, { method: "PATCH", url: edit }]);
  assert.deepEqual(errors, []);
});

Deno.test("interactions: a refused follow-up is logged with Discord's answer", async () => {
  const gone = Response.json({ message: "Unknown Webhook", code: 10015 }, { status: 404 });
  const { command, errors, extended } = await endpoint([gone]);
  await command("expired");
  await extended[0];
  assert.deepEqual(errors, [
    "Could not send the interaction follow-up: Discord answered PATCH " +
    `/webhooks/${APPLICATION_ID}/expired/messages/@original with HTTP 404: ` +
    '{"message":"Unknown Webhook","code":10015}',
  ]);
});

Deno.test("interactions: a failed computation is a private follow-up, then @original goes", async () => {
  const { command, sent, extended } = await endpoint([], {
    explain: () => Promise.reject(new RangeError("bad option")),
  });
  await command("t2");
  await extended[0];
  assert.deepEqual(sent.map((s) => `${s.method} ${s.url.split("/v10")[1]}`), [
    `POST /webhooks/${APPLICATION_ID}/t2`,
    `DELETE /webhooks/${APPLICATION_ID}/t2/messages/@original`,
  ]);
});

Deno.test("interactions: with the host's slots, a full host refuses at once and work takes a slot", async () => {
  let full = true;
  const taken: string[] = [];
  const slots = {
    get full() {
      return full;
    },
    acquire: () => {
      taken.push("acquire");
      return Promise.resolve(() => void taken.push("release"));
    },
  };
  const { command, extended } = await endpoint([], { slots });
  const busy = await command("t-busy");
  assert.equal(busy.type, 4);
  assert.equal(
    busy.data.content,
    "The server is busy with other explanations; try again in a minute.",
  );
  assert.deepEqual(taken, []);
  full = false;
  assert.deepEqual(await command("t-ok"), { type: 5 });
  await extended[0];
  assert.deepEqual(taken, ["acquire", "release"]);
});
