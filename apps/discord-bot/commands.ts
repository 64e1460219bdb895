/**
 * The bot's slash commands as the JSON that Discord's "bulk overwrite application commands" route
 * takes, and the limits the bot enforces on their options. One definition serves the discord.js
 * gateway bot, the HTTP interactions endpoint and the registration script, so what Discord's client
 * lets a user type is what the bot accepts.
 *
 * @module
 */
import { BUNDLED_MODELS, METHODS } from "@glassbox/core";

/** Most characters of `text` (Discord allows up to 6000 for a string option; explanations of long
 * texts make unreadable pictures and slow answers). */
export const TEXT_MAX_LENGTH = 1000;
/** Most characters of `target` (a class label or a token's text). */
export const TARGET_MAX_LENGTH = 100;
/** Discord's limit on choices per option. */
export const MAX_CHOICES = 25;
/** Discord's limit on a message's `content`. */
export const CONTENT_MAX_LENGTH = 2000;
/** Discord's limit on an attachment's `description` (its alt text). */
export const ALT_TEXT_MAX_LENGTH = 1024;

/** Discord's REST base (the API version is appended). */
export const DISCORD_API = "https://discord.com/api";

/** The names of the commands. */
export const COMMAND_NAMES = ["explain", "predict", "methods"] as const;
/** One of {@link COMMAND_NAMES}. */
export type CommandName = typeof COMMAND_NAMES[number];

/** An application command option (type 3 = string), as Discord's API spells it. */
export interface CommandOption {
  type: 3;
  name: string;
  description: string;
  required?: boolean;
  min_length?: number;
  max_length?: number;
  choices?: { name: string; value: string }[];
}

/** A chat-input application command (type 1), as Discord's API spells it. */
export interface CommandDefinition {
  type: 1;
  name: CommandName;
  description: string;
  options: CommandOption[];
  /** Installation contexts: 0 = guild, 1 = bot DM. */
  contexts: number[];
  /** 0 = installed to a guild. */
  integration_types: number[];
}

function choices(values: readonly string[]): { name: string; value: string }[] {
  return values.slice(0, MAX_CHOICES).map((value) => ({ name: value, value }));
}

function textOption(description: string): CommandOption {
  return {
    type: 3,
    name: "text",
    description,
    required: true,
    min_length: 1,
    max_length: TEXT_MAX_LENGTH,
  };
}

/**
 * The command definitions to register.
 *
 * @param models The model ids the bot offers (the first is the default).
 * @param methods The method ids offered as choices (at most 25 are listed; Discord's limit).
 * @returns The JSON array for `PUT /applications/{id}/commands`.
 */
export function commandDefinitions(
  models: readonly string[] = BUNDLED_MODELS,
  methods: readonly string[] = METHODS.map((m) => m.id),
): CommandDefinition[] {
  const shared = { type: 1 as const, contexts: [0, 1], integration_types: [0] };
  return [
    {
      ...shared,
      name: "explain",
      description: "Why did the model predict that? Answers with a picture of word attributions",
      options: [
        textOption("The text to explain"),
        {
          type: 3,
          name: "method",
          description: "Attribution method (default: occlusion); /methods describes them",
          choices: choices(methods),
        },
        {
          type: 3,
          name: "target",
          description: "The label or next token to explain (default: the top prediction)",
          max_length: TARGET_MAX_LENGTH,
        },
        {
          type: 3,
          name: "model",
          description: `Model (default: ${models[0]})`,
          choices: choices(models),
        },
      ],
    },
    {
      ...shared,
      name: "predict",
      description: "The model's top predictions for a text",
      options: [
        textOption("The text to classify or continue"),
        {
          type: 3,
          name: "model",
          description: `Model (default: ${models[0]})`,
          choices: choices(models),
        },
      ],
    },
    {
      ...shared,
      name: "methods",
      description: "The attribution methods /explain can use",
      options: [],
    },
  ];
}
