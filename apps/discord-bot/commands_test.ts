import assert from "node:assert/strict";
import { METHODS } from "@glassbox/core";
import { commandDefinitions, TEXT_MAX_LENGTH } from "./commands.ts";

Deno.test("commandDefinitions: within Discord's limits for names, descriptions, choices", () => {
  const many = Array.from({ length: 30 }, (_, i) => `method-${i}`);
  for (const command of commandDefinitions(["a", "b"], many)) {
    assert.match(command.name, /^[a-z0-9_-]{1,32}$/);
    assert.ok(command.description.length >= 1 && command.description.length <= 100);
    assert.ok(command.options.length <= 25);
    for (const option of command.options) {
      assert.match(option.name, /^[a-z0-9_-]{1,32}$/);
      assert.ok(option.description.length <= 100, option.description);
      assert.ok((option.choices?.length ?? 0) <= 25);
      assert.ok((option.max_length ?? 0) <= 6000);
    }
  }
  const explain = commandDefinitions(["a", "b"], many)[0];
  assert.equal(explain.options[1].choices?.length, 25);
});

Deno.test("commandDefinitions: /explain offers the registered methods and the models", () => {
  const [explain, predict, methods] = commandDefinitions(["x", "y"]);
  assert.deepEqual(explain.options.map((o) => o.name), ["text", "method", "target", "model"]);
  assert.deepEqual(explain.options[0], {
    type: 3,
    name: "text",
    description: "The text to explain",
    required: true,
    min_length: 1,
    max_length: TEXT_MAX_LENGTH,
  });
  assert.deepEqual(explain.options[1].choices?.map((c) => c.value), METHODS.map((m) => m.id));
  assert.deepEqual(explain.options[3].choices, [{ name: "x", value: "x" }, {
    name: "y",
    value: "y",
  }]);
  assert.deepEqual(predict.options.map((o) => o.name), ["text", "model"]);
  assert.deepEqual(methods.options, []);
});
