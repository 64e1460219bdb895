"""Writes base-sized random-weight models for benchmarks to bench/models/ (gitignored).

    bench/models/distilbert-base-random   DistilBertForSequenceClassification, dim 768, 6 layers,
                                          12 heads, hidden 3072, vocab 30522 (~67M parameters)
    bench/models/gpt2-small-random        GPT2LMHeadModel, n_embd 768, 12 layers, 12 heads,
                                          vocab 50257 (~124M parameters)

Same model code and Hugging Face layout as the demo models (config.json, tokenizer.json with the
real tokenizers, tokenizer_config.json, onnx/model.onnx at opset 14, a single file), plus
pytorch_model.bin with the same weights so that scripts/torch_ig_bench.py times PyTorch on exactly
what the JavaScript benchmark runs. Weights follow Hugging Face's initialisation (normal, std 0.02;
LayerNorm weight 1, bias 0), seeded.

Usage (from the repository root): /usr/bin/python3 scripts/make_bench_models.py [--only NAME]
"""

import argparse
import os
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_models as hf  # noqa: E402

OUT = os.path.join(hf.ROOT, "bench", "models")
MODELS = {
    "distilbert-base-random": lambda: hf.distilbert_config(dim=768, n_layers=6, n_heads=12, hidden_dim=3072,
                                                           max_positions=512),
    "gpt2-small-random": lambda: hf.gpt2_config(n_embd=768, n_layer=12, n_head=12, n_positions=1024),
}


def hf_init(model, seed):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.fill_(1.0 if name.endswith("weight") else 0.0)
            else:
                p.copy_(0.02 * torch.randn(p.shape, generator=gen))
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(MODELS))
    args = parser.parse_args()
    torch.set_num_threads(2)
    for seed, (name, make_cfg) in enumerate(sorted(MODELS.items())):
        if args.only and name != args.only:
            continue
        cfg = make_cfg()
        model = hf_init(hf.build_model(cfg), seed).eval()
        model_dir = os.path.join(OUT, name)
        path = hf.save_model_dir(model, cfg, model_dir, opset=14)
        torch.save(model.state_dict(), os.path.join(model_dir, "pytorch_model.bin"))
        check = hf.check_with_deno(model, cfg, model_dir, ["Hello world", "The quick brown fox jumps."],
                                   tolerance=1e-3)
        params = sum(p.numel() for p in model.parameters())
        print(f"{name}: {params / 1e6:.1f}M parameters, onnx {os.path.getsize(path) / 1e6:.1f} MB, "
              f"ops {hf.op_types(path)[0]}, ORT-web vs torch {check['report']}", flush=True)


if __name__ == "__main__":
    main()
