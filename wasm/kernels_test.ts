/**
 * Every kernel of both builds (SIMD and scalar, the same tests parametrised over the variant)
 * against the plain TypeScript reference on seeded random inputs, plus edge cases and independent
 * checks: attention flow against Ford-Fulkerson and a brute-force minimum cut, Gauss-Legendre
 * against exact polynomial integrals.
 */
import assert from "node:assert/strict";
import { createKernels, type Kernels } from "./kernels.ts";
import { kernelsUrl } from "./load.ts";
import * as reference from "./reference.ts";
import { attentionStack, normals, prng } from "./_random.ts";

/** Fails with the worst entry when |actual - expected| > atol + rtol |expected| anywhere. */
function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol = 0, atol = 0 },
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    assert.fail(
      `${what}: entry ${worst} is ${actual[worst]}, expected ${
        expected[worst]
      } (rtol ${rtol}, atol ${atol})`,
    );
  }
}

const capacitiesOf = (attention: Float32Array, layers: number, heads: number, n: number) => {
  // Dense capacity matrix over all (layers + 1) n nodes of the layered graph.
  const averaged = reference.residualAveraged(attention, layers, heads, n);
  const nodes = (layers + 1) * n;
  const cap = Array.from({ length: nodes }, () => new Float64Array(nodes));
  averaged.forEach((m, l) =>
    m.forEach((row, b) => row.forEach((c, a) => cap[l * n + a][(l + 1) * n + b] = c))
  );
  return cap;
};

/** Ford-Fulkerson with depth-first augmenting paths on a dense capacity matrix. */
function fordFulkerson(cap: Float64Array[], source: number, sink: number): number {
  const residual = cap.map((row) => row.slice());
  let total = 0;
  while (true) {
    const parent = new Int32Array(cap.length).fill(-1);
    parent[source] = source;
    const stack = [source];
    while (stack.length && parent[sink] < 0) {
      const u = stack.pop()!;
      for (let v = 0; v < cap.length; v++) {
        if (parent[v] < 0 && residual[u][v] > 1e-12) {
          parent[v] = u;
          stack.push(v);
        }
      }
    }
    if (parent[sink] < 0) return total;
    let bottleneck = Infinity;
    for (let v = sink; v !== source; v = parent[v]) {
      bottleneck = Math.min(bottleneck, residual[parent[v]][v]);
    }
    for (let v = sink; v !== source; v = parent[v]) {
      residual[parent[v]][v] -= bottleneck;
      residual[v][parent[v]] += bottleneck;
    }
    total += bottleneck;
  }
}

/** Minimum s-t cut by enumerating every node set that holds the source and not the sink. */
function bruteForceMinCut(cap: Float64Array[], source: number, sink: number): number {
  const others = cap.map((_, v) => v).filter((v) => v !== source && v !== sink);
  let best = Infinity;
  for (let mask = 0; mask < 1 << others.length; mask++) {
    const inS = new Array<boolean>(cap.length).fill(false);
    inS[source] = true;
    others.forEach((v, bit) => inS[v] = (mask >> bit & 1) === 1);
    let cut = 0;
    for (let u = 0; u < cap.length; u++) {
      for (let v = 0; v < cap.length; v++) if (inS[u] && !inS[v]) cut += cap[u][v];
    }
    best = Math.min(best, cut);
  }
  return best;
}

for (const variant of ["simd", "scalar"] as const) {
  const kernels: Kernels = await createKernels(await Deno.readFile(kernelsUrl(variant)));

  Deno.test(`${variant}: the module reports its variant`, () => {
    assert.equal(kernels.variant, variant);
  });

  Deno.test(`${variant}: softmax and log-softmax match the reference (rtol 1e-5 / atol 1e-5)`, () => {
    const random = prng(1);
    for (const vocab of [1, 3, 7, 50257]) {
      const logits = normals(random, 3 * vocab, 4);
      logits[0] += 1000; // A large logit: naive exp would overflow.
      assertClose(kernels.softmax(logits, vocab), reference.softmax(logits, vocab), {
        rtol: 1e-5,
        atol: 1e-12,
      }, `softmax V=${vocab}`);
      const expected = reference.logSoftmax(logits, vocab);
      assertClose(
        kernels.logSoftmax(logits, vocab),
        expected,
        { rtol: 1e-6, atol: 1e-5 },
        `log-softmax V=${vocab}`,
      );
    }
  });

  Deno.test(`${variant}: softmax rows sum to 1 and keep tiny probabilities at 0 or above`, () => {
    const logits = new Float32Array([0, -100, -200, 50, 50, 50, 50, -1e30, 3]);
    const p = kernels.softmax(logits, 9);
    assert.ok(p.every((v) => v >= 0 && v <= 1), `probabilities out of range: ${p}`);
    assert.ok(Math.abs(p.reduce((s, v) => s + v, 0) - 1) < 1e-6);
    assertClose(p, reference.softmax(logits, 9), { atol: 1e-7 }, "softmax with extremes");
  });

  Deno.test(`${variant}: top-k matches a full sort, ties by index`, () => {
    const random = prng(2);
    const logits = normals(random, 4 * 50257);
    for (const k of [1, 5, 100]) {
      const got = kernels.topK(logits, 50257, k);
      const want = reference.topK(logits, 50257, k);
      assert.deepEqual(Array.from(got.indices), Array.from(want.indices), `k=${k}`);
      assert.deepEqual(Array.from(got.values), Array.from(want.values), `k=${k}`);
    }
    const ties = Float32Array.from({ length: 2 * 1031 }, () => Math.floor(random() * 6));
    for (const k of [1, 13, 1031]) {
      const got = kernels.topK(ties, 1031, k);
      assert.deepEqual(Array.from(got.indices), Array.from(reference.topK(ties, 1031, k).indices));
    }
  });

  Deno.test(`${variant}: top-k rejects k outside 1..vocab`, () => {
    const logits = new Float32Array(10);
    assert.throws(() => kernels.topK(logits, 5, 6), {
      name: "RangeError",
      message: 'Cannot run topK: "k" must be an integer in 1..vocab (5), current value is 6',
    });
    assert.throws(() => kernels.topK(logits, 5, 0), { name: "RangeError" });
    assert.throws(() => kernels.softmax(logits, 3), {
      name: "RangeError",
      message: "Cannot run softmax: the input length 10 is not a positive multiple of vocab = 3",
    });
  });

  Deno.test(`${variant}: sum, L2 norm and dot over the hidden axis match the reference (1e-5 of sum |terms|)`, () => {
    const random = prng(3);
    for (const d of [1, 3, 768, 771]) {
      const a = normals(random, 2 * 5 * d);
      const b = normals(random, 2 * 5 * d);
      const scale = reference.sumLastAxis(a.map(Math.abs), d);
      const check = (got: Float32Array, want: Float64Array, what: string) =>
        assertClose(
          Array.from(got, (v, i) => v / scale[i]),
          Array.from(want, (v, i) => v / scale[i]),
          { atol: 1e-5 },
          `${what} d=${d}`,
        );
      check(kernels.sumLastAxis(a, d), reference.sumLastAxis(a, d), "sum");
      assertClose(
        kernels.l2NormLastAxis(a, d),
        reference.l2NormLastAxis(a, d),
        { rtol: 1e-5 },
        `l2 d=${d}`,
      );
      const dotScale = reference.dotLastAxis(a.map(Math.abs), b.map(Math.abs), d);
      assertClose(
        Array.from(kernels.dotLastAxis(a, b, d), (v, i) => v / dotScale[i]),
        Array.from(reference.dotLastAxis(a, b, d), (v, i) => v / dotScale[i]),
        { atol: 1e-5 },
        `dot d=${d}`,
      );
    }
    assert.throws(() => kernels.dotLastAxis(new Float32Array(4), new Float32Array(6), 2), {
      message: "Cannot run dotLastAxis: a has 4 values and b has 6; they must match",
    });
  });

  Deno.test(`${variant}: weighted least squares matches Gaussian elimination (rtol 1e-9)`, () => {
    const random = prng(4);
    for (const [m, p, lambda] of [[300, 17, 0], [300, 17, 0.5], [5, 1, 0], [10, 40, 1e-3]]) {
      const x = Float64Array.from(normals(random, m * p));
      const weights = Float64Array.from({ length: m }, (_, i) => i % 7 === 0 ? 0 : 2 * random());
      const y = Float64Array.from(normals(random, m));
      const want = reference.weightedLeastSquares(x, weights, y, p, lambda);
      assertClose(kernels.weightedLeastSquares({ x, weights, y, features: p, lambda }), want, {
        rtol: 1e-9,
        atol: 1e-12,
      }, `m=${m} p=${p} lambda=${lambda}`);
    }
  });

  Deno.test(`${variant}: weighted least squares recovers exact coefficients (1e-10)`, () => {
    const random = prng(5);
    const [m, p] = [200, 9];
    const x = Float64Array.from(normals(random, m * p));
    const truth = Float64Array.from(normals(random, p));
    const y = Float64Array.from(
      { length: m },
      (_, r) => truth.reduce((s, b, j) => s + b * x[r * p + j], 0),
    );
    const weights = new Float64Array(m).fill(1);
    assertClose(kernels.weightedLeastSquares({ x, weights, y, features: p }), truth, {
      atol: 1e-10,
    }, "beta");
  });

  Deno.test(`${variant}: a singular system without ridge throws, with ridge it solves`, () => {
    // Column 2 repeats column 0: X^T W X is singular.
    const random = prng(6);
    const [m, p] = [50, 3];
    const x = Float64Array.from(normals(random, m * p));
    for (let r = 0; r < m; r++) x[r * p + 2] = x[r * p];
    const weights = new Float64Array(m).fill(1);
    const y = Float64Array.from(normals(random, m));
    assert.throws(() => kernels.weightedLeastSquares({ x, weights, y, features: p }), {
      name: "RangeError",
      message:
        "Cannot solve the weighted least-squares system: X^T W X + lambda I is not positive definite (pivot 3 of 3 vanishes); some features are collinear or only appear in zero-weight samples, pass lambda > 0 to regularise",
    });
    const ridge = kernels.weightedLeastSquares({ x, weights, y, features: p, lambda: 0.1 });
    assertClose(
      ridge,
      reference.weightedLeastSquares(x, weights, y, p, 0.1),
      { rtol: 1e-9 },
      "ridge",
    );
    assert.ok(
      Math.abs(ridge[0] - ridge[2]) < 1e-12,
      "the ridge splits a duplicated feature evenly",
    );
    assert.throws(
      () =>
        kernels.weightedLeastSquares({
          x,
          weights: weights.map((_, i) => i === 4 ? -1 : 1),
          y,
          features: p,
        }),
      {
        message: "Cannot run weightedLeastSquares: weights must be finite and >= 0, weight 4 is -1",
      },
    );
  });

  Deno.test(`${variant}: attention rollout matches the reference (atol 1e-5)`, () => {
    const random = prng(7);
    for (
      const [layers, heads, n, causal] of [[3, 2, 5, false], [4, 3, 9, true], [1, 1, 1, false], [
        2,
        12,
        33,
        false,
      ]] as const
    ) {
      const attention = attentionStack(random, layers, heads, n, { causal });
      const got = kernels.attentionRollout(attention, { layers, heads, tokens: n });
      assertClose(
        got,
        reference.attentionRollout(attention, layers, heads, n),
        { atol: 1e-5 },
        `L=${layers} n=${n}`,
      );
      for (let i = 0; i < n; i++) {
        const sum = got.subarray(i * n, (i + 1) * n).reduce((s, v) => s + v, 0);
        assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
      }
    }
    // Two uniform layers of two tokens: A' = [[.75, .25], [.25, .75]], squared.
    const uniform = new Float32Array(8).fill(0.5);
    assertClose(kernels.attentionRollout(uniform, { layers: 2, heads: 1, tokens: 2 }), [
      0.625,
      0.375,
      0.375,
      0.625,
    ], {
      atol: 1e-7,
    }, "hand-computed rollout");
  });

  Deno.test(`${variant}: attention flow matches Ford-Fulkerson and the brute-force minimum cut (1e-9)`, () => {
    const random = prng(8);
    for (
      const [layers, heads, n, causal] of [[2, 2, 3, false], [3, 1, 3, true], [
        1,
        2,
        3,
        false,
      ]] as const
    ) {
      const attention = attentionStack(random, layers, heads, n, { causal });
      const got = kernels.attentionFlow(attention, { layers, heads, tokens: n });
      const cap = capacitiesOf(attention, layers, heads, n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const cut = bruteForceMinCut(cap, j, layers * n + i);
          assert.ok(
            Math.abs(got[i * n + j] - cut) < 1e-9,
            `L=${layers} flow ${j}->${i}: ${got[i * n + j]} vs min cut ${cut}`,
          );
        }
      }
    }
    for (const [layers, heads, n, causal] of [[4, 2, 6, false], [5, 3, 7, true]] as const) {
      const attention = attentionStack(random, layers, heads, n, { causal, sharpness: 3 });
      const got = kernels.attentionFlow(attention, { layers, heads, tokens: n });
      const cap = capacitiesOf(attention, layers, heads, n);
      const want = Array.from(
        { length: n * n },
        (_, ij) => fordFulkerson(cap, ij % n, layers * n + Math.floor(ij / n)),
      );
      assertClose(got, want, { atol: 1e-9 }, `flow L=${layers} n=${n} causal=${causal}`);
    }
  });

  Deno.test(`${variant}: attention flow over more than 64 tokens matches Ford-Fulkerson (1e-9)`, () => {
    // 70 and 130 tokens need two and three 64-bit words per bitset in the kernel.
    const random = prng(10);
    for (const [layers, n, causal] of [[3, 70, false], [2, 130, true]] as const) {
      const attention = attentionStack(random, layers, 2, n, { causal, sharpness: 3 });
      const got = kernels.attentionFlow(attention, { layers, heads: 2, tokens: n });
      const cap = capacitiesOf(attention, layers, 2, n);
      for (let t = 0; t < 6; t++) {
        const i = Math.floor(random() * n);
        const j = causal ? Math.floor(random() * (i + 1)) : Math.floor(random() * n);
        const want = fordFulkerson(cap, j, layers * n + i);
        assert.ok(
          Math.abs(got[i * n + j] - want) < 1e-9,
          `n=${n} flow ${j}->${i}: ${got[i * n + j]} vs ${want}`,
        );
      }
    }
  });

  Deno.test(`${variant}: attention flow matches Ford-Fulkerson where pairs reach the bound and where they stay below it (1e-9)`, () => {
    // Twelve well-mixed 12-head layers, except layer 1, whose heads all repeat one sharp softmax:
    // most pairs reach the bound min(out of the source, into the sink), which the kernel settles
    // without a max-flow search, and some stay below it, which it must not.
    const [layers, heads, n] = [12, 12, 12];
    const random = prng(12);
    const attention = new Float32Array(layers * heads * n * n);
    attention.set(attentionStack(random, 1, heads, n));
    const sharp = attentionStack(random, 1, 1, n, { sharpness: 6 });
    for (let h = 0; h < heads; h++) attention.set(sharp, (heads + h) * n * n);
    attention.set(attentionStack(random, layers - 2, heads, n), 2 * heads * n * n);
    const got = kernels.attentionFlow(attention, { layers, heads, tokens: n });
    const cap = capacitiesOf(attention, layers, heads, n);
    let [atBound, below] = [0, 0];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const want = fordFulkerson(cap, j, layers * n + i);
        const out = cap[j].reduce((s, c) => s + c, 0);
        const into = cap.reduce((s, row) => s + row[layers * n + i], 0);
        if (want < Math.min(out, into) - 1e-9) below++;
        else atBound++;
        assert.ok(
          Math.abs(got[i * n + j] - want) < 1e-9,
          `flow ${j}->${i}: ${got[i * n + j]} vs ${want}`,
        );
      }
    }
    assert.ok(below >= 10 && atBound >= 50, `${below} pairs below the bound, ${atBound} at it`);
  });

  Deno.test(`${variant}: attention flow matches the Edmonds-Karp reference (1e-9) and edge cases`, () => {
    const random = prng(9);
    const [layers, heads, n] = [6, 4, 12];
    const attention = attentionStack(random, layers, heads, n, { sharpness: 3 });
    assertClose(
      kernels.attentionFlow(attention, { layers, heads, tokens: n }),
      reference.attentionFlow(attention, layers, heads, n),
      { atol: 1e-9 },
      "flow vs reference",
    );
    assert.deepEqual(
      Array.from(
        kernels.attentionFlow(new Float32Array([1, 1, 1]), { layers: 3, heads: 1, tokens: 1 }),
      ),
      [1],
    );
    const uniform = new Float32Array(8).fill(0.5);
    assertClose(
      kernels.attentionFlow(uniform, { layers: 2, heads: 1, tokens: 2 }),
      [1, 0.5, 0.5, 1],
      { atol: 1e-12 },
      "hand-computed flow",
    );
    assert.throws(() => kernels.attentionFlow(uniform, { layers: 2, heads: 2, tokens: 2 }), {
      message:
        "Cannot run attentionFlow: attention has 8 values, layers x heads x tokens x tokens = 2 x 2 x 2 x 2 needs 16",
    });
  });

  Deno.test(`${variant}: Gauss-Legendre integrates x^k exactly for k <= 2N - 1 (1e-12)`, () => {
    for (const count of [1, 2, 3, 4, 5, 8, 16, 20, 32, 50, 64]) {
      const { nodes, weights } = kernels.gaussLegendre(count);
      const want = reference.gaussLegendre(count);
      assertClose(nodes, want.nodes, { atol: 1e-14 }, `nodes N=${count}`);
      assertClose(weights, want.weights, { atol: 1e-14 }, `weights N=${count}`);
      for (let k = 0; k <= 2 * count - 1; k++) {
        const integral = nodes.reduce((s, x, i) => s + weights[i] * x ** k, 0);
        assert.ok(
          Math.abs(integral - 1 / (k + 1)) < 1e-12,
          `N=${count}: integral of x^${k} is ${integral}, expected ${1 / (k + 1)}`,
        );
      }
      if (count <= 4) {
        // Degree 2N is beyond the rule: a visible error shows the check above can fail.
        const integral = nodes.reduce((s, x, i) => s + weights[i] * x ** (2 * count), 0);
        assert.ok(Math.abs(integral - 1 / (2 * count + 1)) > 1e-8);
      }
    }
    assert.throws(() => kernels.gaussLegendre(0), {
      message: 'Cannot run gaussLegendre: "n" must be a positive integer, current value is 0',
    });
  });
}
