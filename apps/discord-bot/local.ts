/**
 * Local mode: try the bot's answers without Discord. Runs a command through the same
 * {@link Responder} the bot uses, prints the message, and draws the reply as a Discord client shows
 * it (message and attached picture) into a PNG; `--attachment` also saves the attachment itself.
 *
 * Usage: `deno task bot:local [--command explain|predict|methods] [--method ID] [--target T]
 * [--model ID] [--out reply.png] [--attachment explanation.png] "TEXT"`. Exit 0 on success, 2 when the bot would refuse the
 * command, 1 on an internal failure.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { initRenderer, renderPng } from "@glassbox/render";
import { localCompute, Responder } from "./answer.ts";
import { cachedModelLoader, parseModels } from "./config.ts";
import { renderReplyPreview } from "./preview.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    command: { type: "string", default: "explain" },
    method: { type: "string" },
    target: { type: "string" },
    model: { type: "string" },
    out: { type: "string", default: "reply.png" },
    attachment: { type: "string" },
  },
});

const models = parseModels(Deno.env.get("GLASSBOX_BOT_MODELS"));
const responder = new Responder({
  models: Object.keys(models),
  compute: localCompute({
    loadModel: cachedModelLoader(models),
    renderPng: (explanation) => renderPng(explanation),
  }),
  cooldownSeconds: 0,
});
const options = Object.fromEntries(
  Object.entries({
    text: values.command === "methods" ? undefined : positionals.join(" "),
    method: values.method,
    target: values.target,
    model: values.model,
  }).filter(([, value]) => value !== undefined),
);
const plan = responder.plan({ name: values.command, options, userId: "local" });
const reply = "reply" in plan ? plan.reply : await plan.pending;
console.log(reply.ephemeral ? `(only you can see this)\n${reply.content}` : reply.content);
await initRenderer();
await Deno.writeFile(values.out, await renderReplyPreview(reply));
console.log(`[reply as Discord shows it: ${values.out}]`);
if (reply.image) {
  console.log(`[attachment ${reply.image.name}, ${reply.image.data.length} bytes]`);
  console.log(`[alt text] ${reply.image.description}`);
  if (values.attachment) await Deno.writeFile(values.attachment, reply.image.data);
}
const failed = reply.ephemeral && values.command !== "methods";
Deno.exit(failed ? (reply.content.includes("internal error") ? 1 : 2) : 0);
