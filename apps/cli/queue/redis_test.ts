import assert from "node:assert/strict";
import { describeRedis, parseRedisUrl } from "./redis.ts";

Deno.test("parseRedisUrl: host, port, database and credentials; anything else is refused", () => {
  assert.deepEqual(parseRedisUrl("redis://queue.internal"), {
    host: "queue.internal",
    port: 6379,
    db: 0,
    username: undefined,
    password: undefined,
  });
  assert.deepEqual(parseRedisUrl("redis://bob:p%40ss@[::1]:6380/3"), {
    host: "::1",
    port: 6380,
    db: 3,
    username: "bob",
    password: "p@ss",
  });
  assert.equal(describeRedis("redis://:secret@10.0.0.2:7000/1"), "redis://10.0.0.2:7000/1");
  for (const bad of ["http://x:1/0", "redis://x:1/db", "redis://x:1/0?tls=1", "x:1", ""]) {
    assert.throws(() => parseRedisUrl(bad), {
      name: "UsageError",
      message: `--queue must be a URL redis://[user:password@]HOST[:PORT][/DB], got "${bad}"`,
    });
  }
});
