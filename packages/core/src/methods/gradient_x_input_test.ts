/** Gradient x input against the PyTorch references, for every output kind and with a contrast. */
import assert from "node:assert/strict";
import { gradientXInput } from "./gradient_x_input.ts";
import {
  methodContext,
  referenceTexts,
  relativeL2,
  releaseTestModels,
  TEST_MODELS,
  testModel,
} from "./_gradient_testing.ts";

const VARIANTS = [
  { key: "gradient_x_input", output: "logit", contrast: false },
  { key: "gradient_x_input_probability", output: "probability", contrast: false },
  { key: "gradient_x_input_log_probability", output: "log-probability", contrast: false },
  { key: "gradient_x_input_contrast", output: "logit", contrast: true },
] as const;

for (const name of TEST_MODELS) {
  Deno.test(`gradient-x-input on ${name} matches PyTorch for logit, probability, log-probability and contrast`, async () => {
    const model = await testModel(name);
    for (const text of await referenceTexts(name)) {
      for (const { key, output, contrast } of VARIANTS) {
        const { scores } = await gradientXInput.run(
          methodContext(model, gradientXInput, text, { output, contrast }),
        );
        const error = relativeL2(scores, text[key] as number[]);
        assert.ok(error < 1e-4, `${key} "${text.text}": relative L2 error ${error}`);
      }
    }
  });
}

Deno.test({
  name: "gradient-x-input: release models",
  fn: releaseTestModels,
  sanitizeResources: false,
});
