/**
 * The discord.js gateway bot: connects over the WebSocket gateway, receives slash commands as
 * INTERACTION_CREATE events and answers through the {@link Responder}. Commands that compute are
 * deferred at once (Discord's 3-second window), then the deferred reply is edited with the PNG and
 * the summary; failures become an ephemeral follow-up and the public "thinking…" message is deleted.
 *
 * discord.js 14 runs under Deno as is: in Deno it uses the global `WebSocket` and `fetch`, and without
 * `zlib-sync` or `erlpack` installed it speaks JSON without compression.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import {
  AttachmentBuilder,
  type ChatInputCommandInteraction,
  Client,
  Events,
  GatewayIntentBits,
  type InteractionEditReplyOptions,
  MessageFlags,
} from "discord.js";
import type { Reply, Responder } from "./answer.ts";

/** Options of {@link startBot}. */
export interface BotOptions {
  /** The bot token (from `DISCORD_TOKEN`). */
  token: string;
  /** REST base URL for discord.js's `rest.api`; default Discord's. */
  apiBase?: string;
  responder: Responder;
  /** Where one-line events go (never the token). @default console.log */
  log?: (line: string) => void;
}

/** No one gets pinged, whatever the echoed user text holds. */
const NO_MENTIONS = { parse: [] };

function message(reply: Reply): InteractionEditReplyOptions & { content: string } {
  return {
    content: reply.content,
    allowedMentions: NO_MENTIONS,
    files: reply.image
      ? [
        new AttachmentBuilder(Buffer.from(reply.image.data), {
          name: reply.image.name,
          description: reply.image.description,
        }),
      ]
      : [],
  };
}

async function answer(
  interaction: ChatInputCommandInteraction,
  responder: Responder,
  log: (line: string) => void,
): Promise<void> {
  const started = performance.now();
  const options = Object.fromEntries(
    interaction.options.data.map((option) => [option.name, String(option.value)]),
  );
  const plan = responder.plan({
    name: interaction.commandName,
    options,
    userId: interaction.user.id,
  });
  const name = `/${interaction.commandName} ${interaction.id}`;
  if ("reply" in plan) {
    const flags = plan.reply.ephemeral ? MessageFlags.Ephemeral : undefined;
    await interaction.reply({ ...message(plan.reply), flags });
    log(`${name}: replied at once (${plan.reply.ephemeral ? "ephemeral" : "public"})`);
    return;
  }
  await interaction.deferReply();
  const deferredMs = performance.now() - started;
  const reply = await plan.pending;
  if (reply.ephemeral) {
    await interaction.followUp({ ...message(reply), flags: MessageFlags.Ephemeral });
    await interaction.deleteReply();
  } else {
    await interaction.editReply(message(reply));
  }
  log(
    `${name}: deferred in ${deferredMs.toFixed(0)} ms, ` +
      `${reply.ephemeral ? "failed" : "answered"} in ${
        (performance.now() - started).toFixed(0)
      } ms`,
  );
}

/**
 * Starts the bot and logs in.
 *
 * @returns The logged-in client (call `client.destroy()` to stop).
 * @throws When the token is refused or the gateway cannot be reached.
 */
export async function startBot(options: BotOptions): Promise<Client> {
  const log = options.log ?? ((line: string) => console.log(line));
  const client = new Client({
    // Slash commands arrive without any intent; Guilds keeps the channel cache coherent.
    intents: [GatewayIntentBits.Guilds],
    allowedMentions: NO_MENTIONS,
    rest: options.apiBase ? { api: options.apiBase } : {},
  });
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isChatInputCommand()) return;
    answer(interaction, options.responder, log).catch((error) => {
      // A failure to talk to Discord (expired token, network) must not take the bot down.
      log(`/${interaction.commandName} ${interaction.id}: could not answer: ${error?.message}`);
    });
  });
  client.on(Events.ClientReady, (ready) => {
    log(`Ready as ${ready.user.tag} (application ${ready.application.id})`);
  });
  client.on(Events.ShardDisconnect, (event) => log(`Gateway disconnected (code ${event.code})`));
  client.on(Events.ShardReconnecting, () => log("Gateway reconnecting"));
  client.on(Events.ShardResume, (_id, replayed) => {
    log(`Gateway session resumed (${replayed} events replayed)`);
  });
  client.on(Events.Error, (error) => log(`Client error: ${error.message}`));
  await client.login(options.token);
  return client;
}
