"""Writes the tiny test models in testdata/models/ and their PyTorch float64 reference attributions.

Models (Hugging Face layout, random seeded weights, real tokenizers):
    distilbert-tiny-opset14, distilbert-tiny-opset17   same weights; LayerNorm is decomposed at 14 and
                                                        the LayerNormalization op at 17
    distilbert-tiny-opset11                             the same weights exported as Optimum exports a
                                                        DistilBERT classifier: opset 11 (attribute axes,
                                                        decomposed LayerNorm), inputs input_ids and
                                                        attention_mask, output logits, dynamic batch and
                                                        sequence axes, constant folding
    gpt2-tiny-opset14, gpt2-tiny-opset17               same weights as each other
    gpt2-tiny-attentions                               gpt2-tiny-opset14's weights; the graph also outputs
                                                        every layer's attention probabilities as
                                                        `attentions.N` [batch, heads, seq, seq]

reference.json, per model and text (attention mask all ones, the model cast to float64):
    input_ids   ids from @huggingface/tokenizers on the shipped tokenizer.json (scripts/tokenize_ids.ts)
    logits      {ids, values}: every class of a classifier; for a causal LM the top 20 at `position`
    position    the explained position: 0 for the classifier, the last index for a causal LM
    target_id   argmax of the logits at `position`; contrast_id: the second-highest logit there

    Gradients are taken with respect to E = the word-embedding lookup output (wte[input_ids] or
    word_embeddings[input_ids], shape [n, d]), with position embeddings held fixed, as Captum's
    LayerIntegratedGradients on the embedding layer does. F(E) = logit of target_id at `position`
    unless said otherwise. g(E) = dF/dE.
    saliency                          per token: L2 norm over d of g(E)
    gradient_x_input                  per token: sum over d of g(E) * E
    integrated_gradients_gl50         baseline E0 = 0 at every position (special tokens too);
                                      score_i = sum_d E[i,d] * sum_k w_k g(alpha_k E)[i,d], with
                                      alpha_k, w_k the 50 Gauss-Legendre nodes and weights mapped to [0,1]
    ig_gl50_delta                     sum(scores) - (F(E) - F(0)), the completeness gap
    integrated_gradients_trap50       the same with alpha = linspace(0, 1, 50) and trapezoid weights
                                      (endpoints half weight, normalised to sum 1); ig_trap50_delta likewise
    gradient_x_input_probability      gradient_x_input with F = softmax(logits at position)[target_id]
    gradient_x_input_log_probability  gradient_x_input with F = log_softmax(logits at position)[target_id]
    gradient_x_input_contrast         gradient_x_input with F = logit[target_id] - logit[contrast_id]
    attentions                        [layer][head][query][key] attention probabilities
    neurons                           [layer][token][k] the MLP activations after the non-linearity: the
                                      input of the down-projection (GPT-2 mlp.c_proj, DistilBERT ffn.lin2)
    logit_lens (causal LMs)           per layer l = 0 (the embedding sum wte + wpe) .. L (the last
                                      block's output): softmax(ln_f(h_l) @ wte^T) at every position,
                                      {ids, probabilities} of its top 6 per position, and
                                      target_probability, the target's probability at `position`

Usage (from the repository root): /usr/bin/python3 scripts/make_fixtures.py
"""

import os
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_models as hf  # noqa: E402

OUT = os.path.join(hf.ROOT, "testdata", "models")
TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "我们 love 可解释性 🙂 models",
    "Hello world",
]
STEPS = 50
REFERENCE_CONFIG = {
    "dtype": "float64",
    "attention_mask": "all ones",
    "gradient_wrt": "word-embedding lookup output E (position embeddings held fixed)",
    "default_output": "logit",
    "integrated_gradients_gl50": {"steps": STEPS, "integration": "gauss-legendre", "baseline": "zero"},
    "integrated_gradients_trap50": {"steps": STEPS, "integration": "riemann-trapezoid", "baseline": "zero",
                                    "alphas": "linspace(0, 1, 50)", "weights": "endpoints half, sum 1"},
    "causal_lm_logits": "top 20 at position",
    "generator": "scripts/make_fixtures.py",
}


def randomize(model, seed):
    """Random weights large enough for non-trivial gradients: matrices N(0, 0.3), biases N(0, 0.1),
    LayerNorm weights N(1, 0.1)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if "LayerNorm" in name or "layer_norm" in name or ".ln_" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * noise)
            elif name.endswith("bias"):
                p.copy_(0.1 * noise)
            else:
                p.copy_(0.3 * noise)
    return model


def gauss_legendre(n):
    x, w = np.polynomial.legendre.leggauss(n)
    return torch.tensor((x + 1) / 2), torch.tensor(w / 2)


def trapezoid(n):
    w = torch.ones(n, dtype=torch.float64)
    w[0] = w[-1] = 0.5
    return torch.linspace(0, 1, n, dtype=torch.float64), w / w.sum()


class Reference:
    """F and its gradient with respect to the word embeddings, for one text, in float64."""

    def __init__(self, model, input_ids):
        self.model = model
        self.ids = torch.tensor([input_ids])
        self.n = len(input_ids)
        self.causal = isinstance(model, hf.GPT2LMHeadModel)
        self.position = self.n - 1 if self.causal else 0
        with torch.no_grad():
            self.E = model.word_embeddings(self.ids)[0]

    def logits(self, E, output_attentions=False):
        """Logits at the explained position for a batch of embeddings [b, n, d]."""
        mask = torch.ones(E.shape[:2], dtype=torch.long)
        if self.causal:
            pos = torch.arange(self.n).expand(E.size(0), -1)
            out = self.model.forward_embeds(E, mask, pos, output_attentions=output_attentions)
        else:
            out = self.model.forward_embeds(E, mask, output_attentions=output_attentions)
        logits, attentions = out if output_attentions else (out, None)
        if self.causal:
            logits = logits[:, self.position]
        return (logits, attentions) if output_attentions else logits

    def grad(self, E, f):
        """F and dF/dE for a batch of embeddings [b, n, d]; F per sample."""
        E = E.detach().requires_grad_(True)
        values = f(self.logits(E))
        (g,) = torch.autograd.grad(values.sum(), E)
        return values.detach(), g

    def integrated(self, f, alphas, weights):
        _, g = self.grad(alphas[:, None, None] * self.E, f)
        scores = (self.E * (weights[:, None, None] * g).sum(0)).sum(-1)
        f_e, _ = self.grad(self.E[None], f)
        f_0, _ = self.grad(torch.zeros_like(self.E)[None], f)
        return scores, (scores.sum() - (f_e[0] - f_0[0])).item()


def internals(ref, target):
    """Attention probabilities, MLP activations and (causal LMs) the logit lens, read with hooks."""
    model = ref.model
    blocks = model.transformer.h if ref.causal else model.distilbert.transformer.layer
    neurons, residual, hooks = [], [], []
    for block in blocks:
        down = block.mlp.c_proj if ref.causal else block.ffn.lin2
        hooks.append(down.register_forward_hook(lambda m, inputs, out: neurons.append(inputs[0][0])))
        if ref.causal:
            hooks.append(block.register_forward_hook(lambda m, inputs, out: residual.append(out[0][0])))
    if ref.causal:
        hooks.append(blocks[0].register_forward_pre_hook(lambda m, inputs: residual.insert(0, inputs[0][0])))
    try:
        with torch.no_grad():
            _, attentions = ref.logits(ref.E[None], output_attentions=True)
    finally:
        for hook in hooks:
            hook.remove()
    entry = {
        "attentions": [a[0].tolist() for a in attentions],
        "neurons": [a.tolist() for a in neurons],
    }
    if ref.causal:
        lens = []
        with torch.no_grad():
            for h in residual:
                probs = torch.softmax(model.transformer.ln_f(h) @ model.transformer.wte.weight.t(), -1)
                top = torch.topk(probs, 6, dim=-1)
                lens.append({
                    "ids": top.indices.tolist(),
                    "probabilities": top.values.tolist(),
                    "target_probability": probs[ref.position, target].item(),
                })
        entry["logit_lens"] = lens
    return entry


def reference_for(model, text, input_ids, tokens):
    ref = Reference(model, input_ids)
    with torch.no_grad():
        logits = ref.logits(ref.E[None])[0]
    order = torch.argsort(logits, descending=True)
    target, contrast = order[0].item(), order[1].item()
    shown = order[:20] if ref.causal else torch.arange(logits.numel())

    def logit(z):
        return z[:, target]

    def gxi(f):
        _, g = ref.grad(ref.E[None], f)
        return (g[0] * ref.E).sum(-1).tolist()

    _, g = ref.grad(ref.E[None], logit)
    gl, gl_delta = ref.integrated(logit, *gauss_legendre(STEPS))
    trap, trap_delta = ref.integrated(logit, *trapezoid(STEPS))
    entry = {
        "text": text,
        "input_ids": input_ids,
        "tokens": tokens,
        "position": ref.position,
        "logits": {"ids": shown.tolist(), "values": logits[shown].tolist()},
        "target_id": target,
        "contrast_id": contrast,
        "saliency": g[0].norm(dim=-1).tolist(),
        "gradient_x_input": (g[0] * ref.E).sum(-1).tolist(),
        "integrated_gradients_gl50": gl.tolist(),
        "ig_gl50_delta": gl_delta,
        "integrated_gradients_trap50": trap.tolist(),
        "ig_trap50_delta": trap_delta,
        "gradient_x_input_probability": gxi(lambda z: torch.softmax(z, -1)[:, target]),
        "gradient_x_input_log_probability": gxi(lambda z: torch.log_softmax(z, -1)[:, target]),
        "gradient_x_input_contrast": gxi(lambda z: z[:, target] - z[:, contrast]),
    }
    entry.update(internals(ref, target))
    return entry


def write_fixture(name, model, cfg, opset, with_attentions=False):
    model_dir = os.path.join(OUT, name)
    path = hf.save_model_dir(model, cfg, model_dir, opset=opset, with_attentions=with_attentions)
    encoded = hf.deno_tokenize(model_dir, TEXTS)
    double = hf.build_model(cfg).double().eval()
    double.load_state_dict(model.state_dict())
    texts = [reference_for(double, t, e["ids"], e["tokens"])
             for t, e in zip(TEXTS, encoded)]
    hf.write_json(os.path.join(model_dir, "reference.json"), {
        "model": name,
        "config": dict(REFERENCE_CONFIG, onnx_opset=opset),
        "texts": texts,
    })
    check = hf.check_with_deno(model, cfg, model_dir, TEXTS)
    ops, domains = hf.op_types(path)
    print(f"{name}: {os.path.getsize(path)} bytes, opset {opset}, inputs {check['inputs']}, "
          f"outputs {check['outputs']}\n  ops {ops}\n  non-standard domains {domains}\n"
          f"  ORT-web vs torch {check['report']}\n"
          f"  IG deltas gl50 {[round(t['ig_gl50_delta'], 9) for t in texts]} "
          f"trap50 {[round(t['ig_trap50_delta'], 6) for t in texts]}", flush=True)
    return ops


def main():
    torch.set_num_threads(2)
    torch.manual_seed(0)
    bert_cfg = hf.distilbert_config(dim=16, n_layers=2, n_heads=2, hidden_dim=64)
    bert = randomize(hf.build_model(bert_cfg), seed=1).eval()
    ops14 = write_fixture("distilbert-tiny-opset14", bert, bert_cfg, 14)
    ops17 = write_fixture("distilbert-tiny-opset17", bert, bert_cfg, 17)
    if "LayerNormalization" in ops14 or "LayerNormalization" not in ops17:
        raise RuntimeError("expected LayerNormalization only in the opset 17 export")
    write_fixture("distilbert-tiny-opset11", bert, bert_cfg, 11)

    gpt2_cfg = hf.gpt2_config(n_embd=16, n_layer=2, n_head=2)
    gpt2 = randomize(hf.build_model(gpt2_cfg), seed=2).eval()
    write_fixture("gpt2-tiny-opset14", gpt2, gpt2_cfg, 14)
    ops17 = write_fixture("gpt2-tiny-opset17", gpt2, gpt2_cfg, 17)
    if "LayerNormalization" not in ops17:
        raise RuntimeError("expected LayerNormalization in the GPT-2 opset 17 export")
    write_fixture("gpt2-tiny-attentions", gpt2, gpt2_cfg, 14, with_attentions=True)


if __name__ == "__main__":
    main()
