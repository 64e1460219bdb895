/**
 * End-to-end test of the bot's local mode (`apps/discord-bot/local.ts`): the documented way to try
 * the bot without Discord. Runs it as a user would and checks the printed message, the exit codes
 * and the pictures it writes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadModel, predict } from "@glassbox/core";
import { inspectPng } from "./discord_png.ts";

const LOCAL = new URL("../apps/discord-bot/local.ts", import.meta.url).pathname;
const MODEL = "distilbert-sentiment";

async function local(args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", LOCAL, ...args],
    env: { GLASSBOX_BOT_MODELS: MODEL },
  }).output();
  return { code, out: new TextDecoder().decode(stdout), err: new TextDecoder().decode(stderr) };
}

Deno.test("discord local mode: prints the reply and draws it with the attachment", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, out, err } = await local([
      "--out",
      `${dir}/reply.png`,
      "--attachment",
      `${dir}/explanation.png`,
      "A truly dreadful, boring film.",
    ]);
    assert.equal(code, 0, err);
    // The reply names what core itself predicts for the text, with its probability.
    const model = await loadModel(MODEL);
    const [top] = (await predict(model, "A truly dreadful, boring film.")).predictions;
    await model.release();
    assert.ok(
      out.startsWith(
        `Top prediction: **${top.label}** ${
          (top.probability * 100).toFixed(1)
        }% · model \`${MODEL}\`\n`,
      ),
      out,
    );
    assert.match(out, /\nWords that mattered most: \*\*.+\*\* \([+-]/);
    const attachment = await inspectPng(await Deno.readFile(`${dir}/explanation.png`));
    const preview = await inspectPng(await Deno.readFile(`${dir}/reply.png`));
    assert.equal(preview.width, 72 + attachment.width + 24);
    assert.ok(preview.height > attachment.height + 80);
    assert.ok(
      preview.colors > attachment.colors,
      "the preview adds the message around the picture",
    );

    const refused = await local(["--out", `${dir}/refused.png`, "--target", "MAYBE", "fine"]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.out,
      /^\(only you can see this\)\nCould not explain: Unknown target label "MAYBE"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
