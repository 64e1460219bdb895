/** Tests of the environment settings: defaults, parsing, and messages for bad values. */
import assert from "node:assert/strict";
import { clientAddress, configFromEnv } from "./config.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("configFromEnv: defaults and every setting", () => {
  assert.deepEqual(configFromEnv(env({})), {
    port: 8787,
    host: "0.0.0.0",
    backend: "node",
    modelsDir: undefined,
    clientIpHeader: undefined,
    trustedProxies: 1,
    shutdownMs: 10_000,
    options: { limits: {} },
  });
  assert.deepEqual(
    configFromEnv(env({
      PORT: "9000",
      HOST: "127.0.0.1",
      GLASSBOX_BACKEND: "web",
      GLASSBOX_MODELS: "gpt2-tiny, distilbert-sentiment",
      GLASSBOX_MODELS_DIR: "/srv/models",
      GLASSBOX_MAX_BODY_BYTES: "2048",
      GLASSBOX_TIMEOUT_MS: "500",
      GLASSBOX_CONCURRENCY: "4",
      GLASSBOX_QUEUE_SIZE: "0",
      GLASSBOX_DOWNLOADS: "2",
      GLASSBOX_RATE_LIMIT: "2.5/5",
      GLASSBOX_CLIENT_IP_HEADER: "X-Forwarded-For",
      GLASSBOX_TRUSTED_PROXIES: "2",
      GLASSBOX_SHUTDOWN_MS: "500",
      GLASSBOX_CORS_ORIGINS: "https://a.example, https://b.example",
      DISCORD_PUBLIC_KEY: "ab",
      DISCORD_APPLICATION_ID: "1",
    })),
    {
      port: 9000,
      host: "127.0.0.1",
      backend: "web",
      modelsDir: "/srv/models",
      clientIpHeader: "x-forwarded-for",
      trustedProxies: 2,
      shutdownMs: 500,
      discord: { publicKey: "ab", applicationId: "1" },
      options: {
        models: ["gpt2-tiny", "distilbert-sentiment"],
        corsOrigins: ["https://a.example", "https://b.example"],
        limits: {
          maxBodyBytes: 2048,
          timeoutMs: 500,
          concurrency: 4,
          queueSize: 0,
          downloads: 2,
          rateLimit: { perSecond: 2.5, burst: 5 },
        },
      },
    },
  );
  assert.equal(configFromEnv(env({ GLASSBOX_RATE_LIMIT: "off" })).options.limits.rateLimit, null);
});

Deno.test("configFromEnv: bad values name the variable and what it accepts", () => {
  assert.throws(
    () => configFromEnv(env({ GLASSBOX_CONCURRENCY: "0" })),
    {
      name: "RangeError",
      message: 'GLASSBOX_CONCURRENCY must be an integer >= 1, current value is "0"',
    },
  );
  assert.throws(
    () => configFromEnv(env({ GLASSBOX_RATE_LIMIT: "fast" })),
    /^RangeError: GLASSBOX_RATE_LIMIT must be PER_SECOND\/BURST \(e\.g\. 10\/20\) or off, current value is "fast"$/,
  );
  assert.throws(
    () => configFromEnv(env({ GLASSBOX_BACKEND: "gpu" })),
    /GLASSBOX_BACKEND must be node or web, current value is "gpu"/,
  );
  assert.throws(
    () => configFromEnv(env({ DISCORD_PUBLIC_KEY: "ab" })),
    /Set both DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID/,
  );
  assert.throws(
    () => configFromEnv(env({ GLASSBOX_TRUSTED_PROXIES: "0" })),
    /^RangeError: GLASSBOX_TRUSTED_PROXIES must be an integer >= 1, current value is "0"$/,
  );
});

Deno.test("clientAddress: the N-th address from the right, never one the client wrote", () => {
  // The client wrote "198.51.100.1"; the one proxy appended the peer it saw, 203.0.113.7.
  assert.equal(clientAddress("198.51.100.1, 203.0.113.7", 1), "203.0.113.7");
  assert.equal(clientAddress("198.51.100.1, 203.0.113.7, 10.0.0.1", 2), "203.0.113.7");
  assert.equal(clientAddress(" 203.0.113.7 ", 1), "203.0.113.7");
  // Fewer addresses than proxies: all were written by proxies; the left-most is the client's.
  assert.equal(clientAddress("203.0.113.7", 3), "203.0.113.7");
  assert.equal(clientAddress("", 1), undefined);
  assert.equal(clientAddress(undefined, 1), undefined);
});
