/**
 * Registers the bot's slash commands with Discord by replacing the application's command list
 * (`PUT /applications/{application_id}/commands`, or `.../guilds/{guild_id}/commands` for one guild).
 * Guild commands update at once, so use `--guild` while developing; global commands reach every
 * server the bot is in and are what a release registers.
 *
 * Usage: `DISCORD_TOKEN=... DISCORD_APPLICATION_ID=... deno task bot:register [--guild ID]
 * [--models a,b] [--print]`; `--print` writes the JSON to stdout and sends nothing.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { commandDefinitions, DISCORD_API } from "./commands.ts";
import { parseModels } from "./config.ts";

/** Options of {@link registerCommands}. */
export interface RegisterOptions {
  token: string;
  applicationId: string;
  /** Register in this guild only (instant updates, for development). */
  guildId?: string;
  /** The model ids offered as choices; default the bundled models. */
  models?: readonly string[];
  /** REST base; default Discord's. */
  apiBase?: string;
  fetch?: typeof fetch;
}

/**
 * Replaces the application's commands (global or in one guild) with the bot's.
 *
 * @returns The names of the commands Discord now holds.
 * @throws {Error} With Discord's status and message when the request is refused.
 */
export async function registerCommands(options: RegisterOptions): Promise<string[]> {
  if (!/^\d+$/.test(options.applicationId)) {
    throw new TypeError(
      `The application id must be a snowflake (digits), got "${options.applicationId}"`,
    );
  }
  if (options.guildId !== undefined && !/^\d+$/.test(options.guildId)) {
    throw new TypeError(`The guild id must be a snowflake (digits), got "${options.guildId}"`);
  }
  const scope = options.guildId ? `/guilds/${options.guildId}` : "";
  const url = `${
    options.apiBase ?? DISCORD_API
  }/v10/applications/${options.applicationId}${scope}/commands`;
  const response = await (options.fetch ?? fetch)(url, {
    method: "PUT",
    headers: { authorization: `Bot ${options.token}`, "content-type": "application/json" },
    body: JSON.stringify(commandDefinitions(options.models)),
  });
  const body = await response.text();
  if (!response.ok) {
    throw new Error(`Discord refused the commands: HTTP ${response.status}: ${body.slice(0, 500)}`);
  }
  return (JSON.parse(body) as { name: string }[]).map((command) => command.name);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      guild: { type: "string" },
      models: { type: "string" },
      print: { type: "boolean", default: false },
    },
  });
  const models = Object.keys(parseModels(values.models ?? Deno.env.get("GLASSBOX_BOT_MODELS")));
  if (values.print) {
    console.log(JSON.stringify(commandDefinitions(models), null, 2));
    Deno.exit(0);
  }
  const token = Deno.env.get("DISCORD_TOKEN");
  const applicationId = Deno.env.get("DISCORD_APPLICATION_ID");
  if (!token || !applicationId) {
    console.error("bot:register: set DISCORD_TOKEN and DISCORD_APPLICATION_ID (see README.md)");
    Deno.exit(2);
  }
  try {
    const names = await registerCommands({
      token,
      applicationId,
      guildId: values.guild,
      models,
      apiBase: Deno.env.get("DISCORD_API") || undefined,
    });
    console.log(
      `Registered /${names.join(", /")} ${values.guild ? `in guild ${values.guild}` : "globally"}`,
    );
  } catch (error) {
    console.error(`bot:register: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
