/**
 * End-to-end tests of the HTTP interactions endpoint (`apps/discord-bot/interactions.ts`), mounted
 * in a Hono app at `POST /discord/interactions` and served over real HTTP, with the local
 * Discord-protocol server of `discord_server.ts` as the REST side. Requests are signed with an
 * Ed25519 key generated here, as Discord signs them with the application's key.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { explain, loadModel } from "@glassbox/core";
import { renderPng } from "@glassbox/render";
import { topUnits } from "@glassbox/discord-bot/answer";
import { discordInteractions } from "@glassbox/discord-bot/interactions";
import { APPLICATION_ID, FakeDiscord } from "./discord_server.ts";
import { inspectPng } from "./discord_png.ts";
import { Signer } from "./api_discord_signer.ts";

const MODEL = "distilbert-sentiment";

function now(): string {
  return String(Math.floor(Date.now() / 1000));
}

Deno.test({
  name: "discord interactions endpoint: verifies signatures, defers, sends the PNG by webhook",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const signer = await Signer.create();
    const fake = FakeDiscord.start();
    const model = await loadModel(MODEL);
    const errors: string[] = [];
    const app = new Hono();
    app.route(
      "/discord/interactions",
      discordInteractions({
        publicKey: signer.publicKey,
        applicationId: APPLICATION_ID,
        loadModel: () => Promise.resolve(model),
        models: [MODEL],
        renderPng: (explanation) => renderPng(explanation),
        restBase: fake.apiBase,
        cooldownSeconds: 30,
        logError: (message, error) => errors.push(`${message} ${error}`),
      }),
    );
    // Served the way workerd calls a Worker: with an execution context whose waitUntil keeps the
    // isolate alive until the follow-up is sent.
    const extended: Promise<unknown>[] = [];
    const executionContext = {
      waitUntil: (promise: Promise<unknown>) => extended.push(promise),
      passThroughOnException: () => {},
      props: {},
    };
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (request) => app.fetch(request, {}, executionContext),
    );
    const url = `http://127.0.0.1:${server.addr.port}/discord/interactions`;
    const post = async (body: string, headers: Record<string, string>) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
      return { status: response.status, json: await response.json() };
    };
    const signed = async (payload: unknown) => {
      const body = JSON.stringify(payload);
      const timestamp = now();
      return await post(body, {
        "x-signature-ed25519": await signer.sign(body, timestamp),
        "x-signature-timestamp": timestamp,
      });
    };

    try {
      await t.step(
        "401 for a tampered body, a stale or missing signature, a wrong key",
        async () => {
          const body = JSON.stringify({ type: 1 });
          const timestamp = now();
          const signature = await signer.sign(body, timestamp);
          const tampered = await post(body.replace("1", "2"), {
            "x-signature-ed25519": signature,
            "x-signature-timestamp": timestamp,
          });
          assert.equal(tampered.status, 401);
          assert.equal(
            tampered.json.error.message,
            "Invalid request signature: the signature does not match",
          );
          const old = String(Number(timestamp) - 600);
          const stale = await post(body, {
            "x-signature-ed25519": await signer.sign(body, old),
            "x-signature-timestamp": old,
          });
          assert.equal(stale.status, 401);
          assert.match(stale.json.error.message, /timestamp is missing or too far from now/);
          const missing = await post(body, {});
          assert.equal(missing.status, 401);
          assert.match(missing.json.error.message, /signature headers are missing/);
          const other = await Signer.create();
          const wrongKey = await post(body, {
            "x-signature-ed25519": await other.sign(body, timestamp),
            "x-signature-timestamp": timestamp,
          });
          assert.equal(wrongKey.status, 401);
          assert.equal(wrongKey.json.error.code, "invalid_signature");
        },
      );

      await t.step("PING gets PONG", async () => {
        assert.deepEqual(await signed({ type: 1, id: "1", application_id: APPLICATION_ID }), {
          status: 200,
          json: { type: 1 },
        });
      });

      await t.step("/explain: type 5, then the PNG arrives by PATCH of @original", async () => {
        const text = "The service was slow and the food was cold.";
        const interaction = fake.interactionPayload({
          name: "explain",
          options: { text },
          userId: "1400000000000000001",
        });
        const response = await signed(interaction);
        assert.deepEqual(response, { status: 200, json: { type: 5 } });
        // Discord's 3 s deadline holds because the reply does not wait for the explanation: when it
        // arrives, nothing has been sent on the interaction's webhook yet. (An ordering, not a clock,
        // so a busy machine cannot fail it.)
        assert.equal(
          fake.requests.filter((r) => r.path.includes(String(interaction.token))).length,
          0,
          "the deferral came before the explanation's follow-up",
        );
        assert.equal(extended.length, 1, "the follow-up runs inside waitUntil");
        await extended[0];
        const edit = await fake.waitFor(
          (r) => r.path.includes(String(interaction.token)),
          "the follow-up PATCH",
          20_000,
        );
        assert.equal(edit.method, "PATCH");
        assert.equal(
          edit.path,
          `/webhooks/${APPLICATION_ID}/${interaction.token}/messages/@original`,
        );
        assert.match(edit.headers.get("content-type")!, /^multipart\/form-data; boundary=/);
        assert.deepEqual(edit.json?.allowed_mentions, { parse: [] });
        const reference = await explain(model, text, { method: "occlusion" });
        const words = topUnits(reference, 3, "word").map((w) => w.text);
        const named = [...String(edit.json?.content).matchAll(/\*\*(.+?)\*\*/g)].map((m) => m[1])
          .slice(-3);
        assert.deepEqual(named, words);
        assert.equal(edit.files.length, 1);
        assert.equal(edit.files[0].field, "files[0]");
        assert.equal(edit.files[0].type, "image/png");
        const info = await inspectPng(edit.files[0].data);
        const expected = await inspectPng(await renderPng(reference));
        assert.deepEqual([info.width, info.height], [expected.width, expected.height]);
        assert.ok(info.colors > 20, `the picture has only ${info.colors} colours`);
      });

      await t.step(
        "refusals are immediate ephemeral replies; model errors a private follow-up",
        async () => {
          const again = await signed(fake.interactionPayload({
            name: "explain",
            options: { text: "again" },
            userId: "1400000000000000001",
          }));
          assert.equal(again.json.type, 4);
          assert.equal(again.json.data.flags, 64);
          assert.match(again.json.data.content, /^Slow down/);
          assert.deepEqual(again.json.data.allowed_mentions, { parse: [] });

          const failing = fake.interactionPayload({
            name: "explain",
            options: { text: "fine", target: "MAYBE" },
            userId: "1400000000000000002",
          });
          assert.deepEqual((await signed(failing)).json, { type: 5 });
          const requests = await fake.until(() => {
            const found = fake.webhookRequestsOf({ token: String(failing.token) });
            return found.length >= 2 && found;
          }, "the error follow-up and the deletion");
          assert.equal(requests[0].method, "POST");
          assert.equal(requests[0].json?.flags, 64);
          assert.match(
            String(requests[0].json?.content),
            /^Could not explain: Unknown target label "MAYBE"/,
          );
          assert.equal(requests[1].method, "DELETE");

          const huge = await signed({ type: 1, padding: "x".repeat(70_000) });
          assert.equal(huge.status, 413);
          assert.equal(huge.json.error.message, "Interactions are at most 65536 bytes");

          const unsupported = await signed({ type: 3, token: "x", data: {} });
          assert.equal(unsupported.status, 400);
          assert.equal(unsupported.json.error.code, "malformed_body");
          assert.equal(
            unsupported.json.error.message,
            "The body is not a Discord interaction: interaction type 3 without a command name " +
              "and token is not handled; this endpoint takes PING and slash commands",
          );
        },
      );
      assert.deepEqual(errors, []);
    } finally {
      await server.shutdown();
      await fake.close();
    }
  },
});

Deno.test("discord interactions endpoint: refuses a malformed public key", () => {
  assert.throws(
    () =>
      discordInteractions({
        publicKey: "abc",
        applicationId: APPLICATION_ID,
        loadModel: () => Promise.reject(new Error("unused")),
        renderPng: () => Promise.reject(new Error("unused")),
      }),
    {
      name: "TypeError",
      message: "The Discord public key must be 64 hex characters (the application's PUBLIC KEY)",
    },
  );
});
