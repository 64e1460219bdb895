import assert from "node:assert/strict";
import { validateOptions } from "./options.ts";
import type { MethodSpec } from "./methods/types.ts";
import { getMethod, METHOD_IDS } from "./methods/registry.ts";
import { UnknownMethodError } from "./errors.ts";

const method: MethodSpec = {
  id: "integrated-gradients",
  kind: "gradient",
  description: "test",
  options: [
    {
      name: "steps",
      type: "integer",
      default: 50,
      min: 1,
      max: 1000,
      alsoAccepts: ["auto"],
      description: "",
    },
    { name: "baseline", type: "string", default: "zero", values: ["zero", "pad"], description: "" },
    { name: "noise", type: "number", default: undefined, min: 0, description: "" },
  ],
  needs: {},
  run: () => Promise.resolve({ scores: [] }),
};

Deno.test("defaults are filled in and given values kept", () => {
  assert.deepEqual(validateOptions(method, {}), { steps: 50, baseline: "zero" });
  assert.deepEqual(validateOptions(method, { steps: "auto", noise: 0.5 }), {
    steps: "auto",
    baseline: "zero",
    noise: 0.5,
  });
});

Deno.test("bad values get a message naming the option, the rule and the value", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ steps: 0 }, 'Cannot run integrated-gradients: "steps" must be >= 1, current value is 0'],
    [
      { steps: 1001 },
      'Cannot run integrated-gradients: "steps" must be <= 1000, current value is 1001',
    ],
    [
      { steps: 2.5 },
      'Cannot run integrated-gradients: "steps" must be an integer or "auto", current value is 2.5',
    ],
    [
      { steps: NaN },
      'Cannot run integrated-gradients: "steps" must be a finite number or "auto", current value is NaN',
    ],
    [
      { steps: "10" },
      'Cannot run integrated-gradients: "steps" must be a finite number or "auto", current value is "10"',
    ],
    [
      { baseline: "blank" },
      'Cannot run integrated-gradients: "baseline" must be one of zero, pad, current value is "blank"',
    ],
    [
      { stepz: 3 },
      'Cannot run integrated-gradients: unknown option "stepz"; allowed options are steps, baseline, noise',
    ],
    [
      JSON.parse('{"__proto__": 1}'),
      'Cannot run integrated-gradients: unknown option "__proto__"; allowed options are steps, baseline, noise',
    ],
  ];
  for (const [given, message] of cases) {
    assert.throws(() => validateOptions(method, given), { message });
  }
});

Deno.test("unknown method ids list the known ones, prototype names included", () => {
  for (const id of ["nope", "toString", "__proto__", "constructor"]) {
    assert.throws(() => getMethod(id), (e: unknown) => {
      assert.ok(e instanceof UnknownMethodError);
      assert.equal(e.message, `Unknown method "${id}": known methods are ${METHOD_IDS.join(", ")}`);
      return true;
    });
  }
  assert.equal(getMethod("occlusion").id, "occlusion");
});
