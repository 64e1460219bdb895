import assert from "node:assert/strict";
import { Cooldown, WorkQueue } from "./throttle.ts";

Deno.test("Cooldown: one take per period per user, release ends it early", () => {
  let now = 0;
  const cooldown = new Cooldown(5000, () => now);
  assert.equal(cooldown.take("a"), undefined);
  assert.equal(cooldown.take("a"), 5000);
  assert.equal(cooldown.take("b"), undefined);
  now = 4999;
  assert.equal(cooldown.take("a"), 5000);
  now = 5000;
  assert.equal(cooldown.take("a"), undefined);
  cooldown.release("a");
  assert.equal(cooldown.take("a"), undefined);
  assert.throws(() => new Cooldown(-1), {
    name: "RangeError",
    message: "Cooldown period must be a finite number >= 0 ms, got -1",
  });
});

Deno.test("Cooldown: a zero period never refuses", () => {
  const cooldown = new Cooldown(0);
  assert.equal(cooldown.take("a"), undefined);
  assert.equal(cooldown.take("a"), undefined);
});

Deno.test("WorkQueue: runs one job at a time in order and refuses beyond capacity", async () => {
  const queue = new WorkQueue(1, 3);
  const order: string[] = [];
  let active = 0, maxActive = 0;
  const job = (name: string) => async () => {
    active += 1;
    maxActive = Math.max(maxActive, active);
    order.push(`start ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    order.push(`end ${name}`);
    active -= 1;
    return name;
  };
  const results = [queue.run(job("a")), queue.run(job("b")), queue.run(job("c"))];
  assert.equal(queue.size, 3);
  assert.equal(queue.full, true);
  await assert.rejects(queue.run(job("d")), { message: "Work queue is full (3 jobs)" });
  assert.deepEqual(await Promise.all(results), ["a", "b", "c"]);
  assert.equal(maxActive, 1);
  assert.deepEqual(order, ["start a", "end a", "start b", "end b", "start c", "end c"]);
  assert.equal(queue.size, 0);
});

Deno.test("WorkQueue: a failing job frees its slot", async () => {
  const queue = new WorkQueue(1, 1);
  await assert.rejects(queue.run(() => Promise.reject(new Error("bad"))), { message: "bad" });
  assert.equal(await queue.run(() => Promise.resolve(7)), 7);
  assert.throws(() => new WorkQueue(2, 1), {
    message: "Queue capacity must be an integer >= concurrency (2), got 1",
  });
});
