import assert from "node:assert/strict";
import { readShards } from "./results.ts";

Deno.test("readShards: each item once, the first complete line wins, torn lines passed over", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const line = (seq: number, id: string) =>
      JSON.stringify({ seq, record: { id, text: id, label: "POS" } }) + "\n";
    // Worker a wrote items 0, 2 and 1, and was killed while writing item 3.
    await Deno.writeTextFile(
      `${dir}/worker-a.jsonl`,
      line(0, "a0") + line(2, "a2") + line(1, "a1") + line(3, "a3").slice(0, 20),
    );
    // Worker b redid item 2 (a retried chunk) and did item 5; item 4 has no result.
    await Deno.writeTextFile(`${dir}/worker-b.jsonl`, line(2, "b2") + line(5, "b5"));
    await Deno.writeTextFile(`${dir}/notes.txt`, "not a shard");
    const got: [number, string | undefined][] = [];
    for await (const { seq, record } of readShards(dir, 6)) got.push([seq, record?.id]);
    assert.deepEqual(got, [[0, "a0"], [1, "a1"], [2, "a2"], [3, undefined], [4, undefined], [
      5,
      "b5",
    ]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
