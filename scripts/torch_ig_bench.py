"""Times PyTorch autograd on a model directory written by make_bench_models.py, for side-by-side
comparison with glassbox's JavaScript benchmark on the same weights.

For each token count it times, in float32 on the CPU:
    forward                 one forward pass, batch 1
    forward_backward        one forward and one backward pass to the word embeddings, batch 1
                            (what saliency / gradient x input cost)
    integrated_gradients    integrated gradients with all steps in one batch, as Captum's
                            LayerIntegratedGradients does with internal_batch_size unset: a forward
                            and a backward pass on [steps, tokens, dim] interpolated embeddings
The explained output is the top logit (the classifier's top class, or the next-token logit at the
last position of a causal LM, where only that position is projected onto the vocabulary). Each timing is the median of --repeats runs after one warm-up run.

torch's build configuration (BLAS) goes to stderr before timing; stdout is one JSON object.

Usage: /usr/bin/python3 scripts/torch_ig_bench.py MODEL_DIR [--tokens 16,64,128] [--steps 50]
       [--threads 2] [--repeats 3]
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_models as hf  # noqa: E402


def blas_library():
    """The BLAS shared library actually mapped into this process (Debian's torch reports 'generic')."""
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    return sorted(libs)


def timed(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1), [round(t, 1) for t in times]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("--tokens", default="16,64,128", help="comma-separated token counts")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    tokens = [int(t) for t in args.tokens.split(",")]
    if args.steps < 1 or any(t < 2 for t in tokens):
        parser.error("--steps must be >= 1 and every --tokens value >= 2")

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(torch.__config__.show(), file=sys.stderr)
    print(f"threads: {torch.get_num_threads()}, BLAS library: {blas_library()}", file=sys.stderr)

    with open(os.path.join(args.model_dir, "config.json")) as f:
        cfg = json.load(f)
    model = hf.build_model(cfg)
    model.load_state_dict(torch.load(os.path.join(args.model_dir, "pytorch_model.bin")))
    model.eval()
    causal = isinstance(model, hf.GPT2LMHeadModel)
    x, w = np.polynomial.legendre.leggauss(args.steps)
    alphas = torch.tensor((x + 1) / 2, dtype=torch.float32)
    weights = torch.tensor(w / 2, dtype=torch.float32)

    load_before = os.getloadavg()[0]
    results = []
    for n in tokens:
        ids = torch.randint(1000, 20000, (1, n))
        if not causal:
            ids[0, 0], ids[0, -1] = 101, 102

        def target_logit(E):
            mask = torch.ones(E.shape[:2], dtype=torch.long)
            if causal:
                # Only the last position's logits: projecting every position onto the 50257-token
                # vocabulary would triple the cost of IG and flatter any comparison with torch.
                pos = torch.arange(n).expand(E.size(0), -1)
                h, _ = model.hidden_states(E, mask, pos)
                return h[:, -1] @ model.transformer.wte.weight.t()
            return model.forward_embeds(E, mask)

        with torch.no_grad():
            E = model.word_embeddings(ids)
            target = target_logit(E)[0].argmax().item()

        def forward():
            with torch.no_grad():
                target_logit(E)

        def forward_backward():
            e = E.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(target_logit(e)[:, target].sum(), e)
            return (g * E).sum(-1)

        def integrated_gradients():
            e = (alphas[:, None, None] * E).requires_grad_(True)
            (g,) = torch.autograd.grad(target_logit(e)[:, target].sum(), e)
            return (E[0] * (weights[:, None, None] * g).sum(0)).sum(-1)

        row = {"tokens": n}
        for name, fn in [("forward", forward), ("forward_backward", forward_backward),
                         ("integrated_gradients", integrated_gradients)]:
            row[f"{name}_ms"], row[f"{name}_runs_ms"] = timed(fn, args.repeats)
        results.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)

    print(json.dumps({
        "model_dir": args.model_dir,
        "architecture": cfg["architectures"][0],
        "parameters": sum(p.numel() for p in model.parameters()),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas_library": blas_library(),
        "dtype": "float32",
        "steps": args.steps,
        "integration": "gauss-legendre, all steps in one batch",
        "repeats": args.repeats,
        # Timings on a busy machine are meaningless; the 1-minute load average says how busy it was.
        "load_average_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "results": results,
    }, indent=2))


if __name__ == "__main__":
    main()
