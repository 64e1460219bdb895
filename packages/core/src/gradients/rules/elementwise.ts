/**
 * Gradient rules of elementwise ops: arithmetic with broadcasting (the gradient is summed back over
 * the broadcast axes), the unary functions of activations and decomposed norms, casts and selects.
 *
 * @module
 */
import { attr, getAttribute } from "../../onnx/graph.ts";
import type { NodeProto } from "../../onnx/proto.ts";
import { type Differentiator, FLOATS, type Rule, type RuleArgs } from "../differentiator.ts";

/** The rule of a unary op whose derivative is written in terms of x, y and g. */
const unary = (
  local: (d: Differentiator, g: string, x: string, y: string, T: number) => string,
): Rule =>
(d, { node, g }) => [local(d, g, node.input![0], node.output![0], d.elemType(node.output![0]))];

const pass: Rule = (_, { g }) => [g];

/** Rules by op type. */
export const ELEMENTWISE_RULES: Record<string, Rule> = {
  Identity: pass,
  Dropout: pass,
  Cast(d, { node, g }) {
    const from = d.elemType(node.input![0]);
    if (!FLOATS.has(from)) return [undefined];
    return [from === d.elemType(node.output![0]) ? g : d.op("Cast", [g], { to: attr.int(from) })];
  },
  Add(d, { node, g, active }) {
    const [a, b] = node.input!;
    const yd = d.dims(node.output![0]);
    return [
      active(0) ? d.unbroadcast(g, yd, a) : undefined,
      active(1) ? d.unbroadcast(g, yd, b) : undefined,
    ];
  },
  Sub(d, { node, g, active }) {
    const [a, b] = node.input!;
    const yd = d.dims(node.output![0]);
    return [
      active(0) ? d.unbroadcast(g, yd, a) : undefined,
      active(1) ? d.op("Neg", [d.unbroadcast(g, yd, b)]) : undefined,
    ];
  },
  Mul(d, { node, g, active }) {
    const [a, b] = node.input!;
    const yd = d.dims(node.output![0]);
    return [
      active(0) ? d.unbroadcast(d.op("Mul", [g, b]), yd, a) : undefined,
      active(1) ? d.unbroadcast(d.op("Mul", [g, a]), yd, b) : undefined,
    ];
  },
  Div(d, { node, g, active }) {
    const [a, b] = node.input!;
    const y = node.output![0];
    const yd = d.dims(y);
    return [
      active(0) ? d.unbroadcast(d.op("Div", [g, b]), yd, a) : undefined,
      // b is constant along the axes it was broadcast over, so dividing after the reduction is
      // exact and touches fewer values.
      active(1)
        ? d.op("Neg", [d.op("Div", [d.unbroadcast(d.op("Mul", [g, y]), yd, b), b])])
        : undefined,
    ];
  },
  Pow: pow,
  Sqrt: unary((d, g, _, y, T) => d.op("Div", [d.op("Mul", [g, d.scalar(0.5, T)]), y])),
  Exp: unary((d, g, _, y) => d.op("Mul", [g, y])),
  Log: unary((d, g, x) => d.op("Div", [g, x])),
  Neg: unary((d, g) => d.op("Neg", [g])),
  Reciprocal: unary((d, g, _, y) => d.op("Neg", [d.op("Mul", [g, d.op("Mul", [y, y])])])),
  Abs: unary((d, g, x) => d.op("Mul", [g, d.op("Sign", [x])])),
  Erf: unary((d, g, x, _, T) => {
    const gauss = d.op("Exp", [d.op("Neg", [d.op("Mul", [x, x])])]);
    return d.op("Mul", [g, d.op("Mul", [gauss, d.scalar(2 / Math.sqrt(Math.PI), T)])]);
  }),
  Tanh: unary((d, g, _, y, T) =>
    d.op("Mul", [g, d.op("Sub", [d.scalar(1, T), d.op("Mul", [y, y])])])
  ),
  Sigmoid: unary((d, g, _, y, T) =>
    d.op("Mul", [g, d.op("Mul", [y, d.op("Sub", [d.scalar(1, T), y])])])
  ),
  Relu: unary((d, g, x, _, T) =>
    d.op("Where", [d.op("Greater", [x, d.scalar(0, T)]), g, d.scalar(0, T)])
  ),
  Gelu: (d, { node, g }) => [gelu(d, node, g)],
  Where(d, { node, g, active }) {
    const [condition, b, c] = node.input!;
    const yd = d.dims(node.output![0]);
    const zero = d.scalar(0, d.elemType(node.output![0]));
    return [
      undefined,
      active(1) ? d.unbroadcast(d.op("Where", [condition, g, zero]), yd, b) : undefined,
      active(2) ? d.unbroadcast(d.op("Where", [condition, zero, g]), yd, c) : undefined,
    ];
  },
};

function pow(d: Differentiator, { node, g, active }: RuleArgs): (string | undefined)[] {
  const [a, b] = node.input!;
  const y = node.output![0];
  const yd = d.dims(y);
  const T = d.elemType(y);
  const c = active(1) ? undefined : d.scalarValue(b);
  if (c !== undefined) {
    // The usual x^2 and x^0.5 of decomposed LayerNorm and GELU: no Pow in the backward pass.
    const local = c === 1
      ? undefined
      : c === 2
      ? d.op("Mul", [a, d.scalar(2, T)])
      : d.op("Mul", [d.scalar(c, T), d.op("Pow", [a, d.scalar(c - 1, T)])]);
    return [local ? d.unbroadcast(d.op("Mul", [g, local]), yd, a) : g, undefined];
  }
  let exponent = b;
  if (d.elemType(b) !== T) exponent = d.op("Cast", [b], { to: attr.int(T) });
  const ga = active(0)
    ? d.unbroadcast(
      d.op("Mul", [
        g,
        d.op("Mul", [exponent, d.op("Pow", [a, d.op("Sub", [exponent, d.scalar(1, T)])])]),
      ]),
      yd,
      a,
    )
    : undefined;
  const gb = active(1)
    ? d.unbroadcast(d.op("Mul", [g, d.op("Mul", [y, d.op("Log", [a])])]), yd, b)
    : undefined;
  return [ga, gb];
}

function gelu(d: Differentiator, node: NodeProto, g: string): string {
  const x = node.input![0];
  const T = d.elemType(x);
  if (getAttribute(node, "approximate") === "tanh") {
    // y = x/2 (1 + tanh(u)), u = c (x + 0.044715 x^3): dy/dx = (1 + t)/2 + x/2 (1 - t^2) c (1 + 3*0.044715 x^2)
    const c = Math.sqrt(2 / Math.PI);
    const x2 = d.op("Mul", [x, x]);
    const u = d.op("Mul", [
      d.scalar(c, T),
      d.op("Add", [x, d.op("Mul", [d.scalar(0.044715, T), d.op("Mul", [x2, x])])]),
    ]);
    const t = d.op("Tanh", [u]);
    const du = d.op("Mul", [
      d.scalar(c, T),
      d.op("Add", [d.scalar(1, T), d.op("Mul", [d.scalar(3 * 0.044715, T), x2])]),
    ]);
    const left = d.op("Mul", [d.scalar(0.5, T), d.op("Add", [d.scalar(1, T), t])]);
    const right = d.op("Mul", [
      d.op("Mul", [d.scalar(0.5, T), x]),
      d.op("Mul", [d.op("Sub", [d.scalar(1, T), d.op("Mul", [t, t])]), du]),
    ]);
    return d.op("Mul", [g, d.op("Add", [left, right])]);
  }
  // y = x Phi(x): dy/dx = Phi(x) + x phi(x)
  const phi = d.op("Mul", [
    d.scalar(1 / Math.sqrt(2 * Math.PI), T),
    d.op("Exp", [d.op("Mul", [d.scalar(-0.5, T), d.op("Mul", [x, x])])]),
  ]);
  const Phi = d.op("Mul", [
    d.scalar(0.5, T),
    d.op("Add", [
      d.scalar(1, T),
      d.op("Erf", [d.op("Mul", [x, d.scalar(Math.SQRT1_2, T)])]),
    ]),
  ]);
  return d.op("Mul", [g, d.op("Add", [Phi, d.op("Mul", [x, phi])])]);
}
