"""Builds the toy models and corpora that packages/eval tests its metrics on (testdata/eval/).

Run with the Debian Python that has PyTorch and onnx: /usr/bin/python3 scripts/make_eval_toys.py

Three classifiers in the Hugging Face layout (config.json, tokenizer.json, onnx/model.onnx), sharing one
WordLevel tokenizer over a small vocabulary of sentiment and neutral words:

- bow-linear: logits = sum over real tokens of W[id] + b. Removing a token changes the logits by
  exactly -W[id], so leave-one-out attributions, comprehensiveness, sufficiency and deletion curves
  can be computed by hand in the tests.
- mlp-tiny: word embeddings -> layer.0 (Tanh) -> layer.1 (Tanh, residual) -> masked mean pool ->
  classifier, trained for a few seconds on synthetic sentences. It has distinct layers for the
  cascading-randomization sanity check and differentiable ops for the gradient methods.
- attn-tiny: one self-attention layer with 2 heads, exported by torch.onnx, for the corpus attention
  statistics (core's taps find its Softmax).

And: lexicon.json (the sentiment words with their scores, the plausibility ground truth),
corpus_1000.jsonl (1,000 synthetic sentences, `{"id", "text"}` per line) and corpus_small.txt (plain
text, one sentence per line). Everything is seeded: rerunning gives the same files.
"""
import json
import os
import random

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "eval")
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
LEXICON = {
    "good": 2, "great": 3, "wonderful": 4, "excellent": 3, "happy": 3, "love": 3, "lovely": 3,
    "brilliant": 4, "fun": 2, "charming": 3, "delightful": 3, "superb": 5, "enjoy": 2, "best": 3,
    "beautiful": 3, "fresh": 1, "kind": 2, "perfect": 3, "warm": 1, "clever": 2,
    "bad": -3, "awful": -3, "terrible": -3, "boring": -3, "sad": -2, "hate": -3, "worst": -3,
    "ugly": -3, "dull": -2, "poor": -2, "horrible": -3, "stupid": -2, "weak": -2, "mess": -2,
    "annoying": -2, "waste": -1, "broken": -1, "cold": -1, "angry": -3, "disaster": -2,
}
NEUTRAL = (
    "the a an this that movie film story plot actor actress scene ending music book day night city "
    "house car table window door road river tree garden dinner lunch coffee tea train station "
    "morning evening week year people friend family teacher doctor student was is were seemed felt "
    "looked and but or so very quite rather really somewhat of in on at with about for to from "
    "after before during it they we he she its their our his her"
).split()


def tokenizer_json(vocab):
    special = lambda i, t: {  # noqa: E731
        "id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
        "normalized": False, "special": True,
    }
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(i, t) for i, t in enumerate(SPECIALS)],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 1}},
            ],
            "special_tokens": {
                t: {"id": t, "ids": [SPECIALS.index(t)], "tokens": [t]} for t in ("[CLS]", "[SEP]")
            },
        },
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }


TOKENIZER_CONFIG = {
    "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",
    "mask_token": "[MASK]", "do_lower_case": True, "model_max_length": 64,
}


def write_model(name, vocab, graph, architecture):
    root = os.path.join(OUT, name)
    os.makedirs(os.path.join(root, "onnx"), exist_ok=True)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)],
                              producer_name="glassbox make_eval_toys.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(root, "onnx", "model.onnx"))
    write_config(root, name, vocab, architecture)


def write_config(root, name, vocab, architecture):
    config = {
        "architectures": [architecture],
        "model_type": name,
        "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
        "label2id": {"NEGATIVE": 0, "POSITIVE": 1},
        "max_position_embeddings": 64,
        "vocab_size": len(vocab),
    }
    with open(os.path.join(root, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(root, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(vocab), f, indent=1)
    with open(os.path.join(root, "tokenizer_config.json"), "w") as f:
        json.dump(TOKENIZER_CONFIG, f, indent=2)


IO = [
    helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
    helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
]
LOGITS = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2])


def masked_sum_nodes(x, prefix):
    """Nodes that sum x [batch, sequence, d] over the real tokens (attention_mask = 1)."""
    return [
        helper.make_node("Cast", ["attention_mask"], [f"{prefix}/mask_f"], to=TensorProto.FLOAT,
                         name=f"{prefix}/Cast"),
        helper.make_node("Unsqueeze", [f"{prefix}/mask_f", "axis_2"], [f"{prefix}/mask_3d"],
                         name=f"{prefix}/Unsqueeze"),
        helper.make_node("Mul", [x, f"{prefix}/mask_3d"], [f"{prefix}/masked"], name=f"{prefix}/Mul"),
        helper.make_node("ReduceSum", [f"{prefix}/masked", "axis_1"], [f"{prefix}/sum"], keepdims=0,
                         name=f"{prefix}/ReduceSum"),
    ]


def axes():
    return [numpy_helper.from_array(np.array([1], dtype=np.int64), "axis_1"),
            numpy_helper.from_array(np.array([2], dtype=np.int64), "axis_2")]


def bow_linear(vocab):
    weights = np.zeros((len(vocab), 2), dtype=np.float32)
    rng = np.random.default_rng(7)
    for word, i in vocab.items():
        if word in SPECIALS:
            continue
        # Distinct small weights for neutral words keep rankings free of ties.
        s = LEXICON.get(word, 0) + (0 if word in LEXICON else float(rng.uniform(-0.2, 0.2)))
        weights[i] = [-s / 2, s / 2]
    bias = np.array([0.1, -0.1], dtype=np.float32)
    nodes = [helper.make_node("Gather", ["classifier.word_weights", "input_ids"], ["/gather"],
                              name="/classifier/Gather")]
    nodes += masked_sum_nodes("/gather", "/pool")
    nodes.append(helper.make_node("Add", ["/pool/sum", "classifier.bias"], ["logits"],
                                  name="/classifier/Add"))
    graph = helper.make_graph(
        nodes, "bow_linear", IO, [LOGITS],
        [numpy_helper.from_array(weights, "classifier.word_weights"),
         numpy_helper.from_array(bias, "classifier.bias")] + axes())
    write_model("bow-linear", vocab, graph, "BagOfWordsForSequenceClassification")


class Mlp(torch.nn.Module):
    def __init__(self, vocab_size, dim=8):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab_size, dim)
        self.layer0 = torch.nn.Linear(dim, dim)
        self.layer1 = torch.nn.Linear(dim, dim)
        self.classifier = torch.nn.Linear(dim, 2)

    def forward(self, ids, mask):
        x = self.embed(ids)
        h = torch.tanh(self.layer0(x))
        h = torch.tanh(self.layer1(h)) + x
        m = mask.unsqueeze(2).float()
        pooled = (h * m).sum(1) / m.sum(1)
        return self.classifier(pooled)


def mlp_tiny(vocab, sentences):
    torch.manual_seed(0)
    net = Mlp(len(vocab))
    encoded = [[vocab["[CLS]"]] + [vocab[w] for w in s.split()] + [vocab["[SEP]"]] for s in sentences]
    length = max(len(e) for e in encoded)
    ids = torch.tensor([e + [0] * (length - len(e)) for e in encoded])
    mask = torch.tensor([[1] * len(e) + [0] * (length - len(e)) for e in encoded])
    labels = torch.tensor([int(sum(LEXICON.get(w, 0) for w in s.split()) > 0) for s in sentences])
    optimizer = torch.optim.Adam(net.parameters(), lr=0.03)
    for _ in range(300):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(ids, mask), labels)
        loss.backward()
        optimizer.step()
    accuracy = (net(ids, mask).argmax(1) == labels).float().mean().item()
    print(f"mlp-tiny: training accuracy {accuracy:.3f}, loss {loss.item():.3f}")

    p = {k: v.detach().numpy().astype(np.float32) for k, v in net.state_dict().items()}
    inits = [
        numpy_helper.from_array(p["embed.weight"], "embeddings.word_embeddings.weight"),
        numpy_helper.from_array(p["layer0.weight"].T.copy(), "layer.0.dense.weight"),
        numpy_helper.from_array(p["layer0.bias"], "layer.0.dense.bias"),
        numpy_helper.from_array(p["layer1.weight"].T.copy(), "layer.1.dense.weight"),
        numpy_helper.from_array(p["layer1.bias"], "layer.1.dense.bias"),
        numpy_helper.from_array(p["classifier.weight"].T.copy(), "classifier.weight"),
        numpy_helper.from_array(p["classifier.bias"], "classifier.bias"),
    ] + axes()
    n = helper.make_node
    nodes = [
        n("Gather", ["embeddings.word_embeddings.weight", "input_ids"], ["/embeddings/out"],
          name="/embeddings/word_embeddings/Gather"),
        n("MatMul", ["/embeddings/out", "layer.0.dense.weight"], ["/layer.0/mm"], name="/layer.0/MatMul"),
        n("Add", ["/layer.0/mm", "layer.0.dense.bias"], ["/layer.0/add"], name="/layer.0/Add"),
        n("Tanh", ["/layer.0/add"], ["/layer.0/out"], name="/layer.0/Tanh"),
        n("MatMul", ["/layer.0/out", "layer.1.dense.weight"], ["/layer.1/mm"], name="/layer.1/MatMul"),
        n("Add", ["/layer.1/mm", "layer.1.dense.bias"], ["/layer.1/add"], name="/layer.1/Add"),
        n("Tanh", ["/layer.1/add"], ["/layer.1/tanh"], name="/layer.1/Tanh"),
        n("Add", ["/layer.1/tanh", "/embeddings/out"], ["/layer.1/out"], name="/layer.1/Residual"),
    ]
    nodes += masked_sum_nodes("/layer.1/out", "/pool")
    nodes += [
        n("ReduceSum", ["/pool/mask_3d", "axis_1"], ["/pool/count"], keepdims=0, name="/pool/Count"),
        n("Div", ["/pool/sum", "/pool/count"], ["/pool/mean"], name="/pool/Div"),
        n("MatMul", ["/pool/mean", "classifier.weight"], ["/classifier/mm"], name="/classifier/MatMul"),
        n("Add", ["/classifier/mm", "classifier.bias"], ["logits"], name="/classifier/Add"),
    ]
    graph = helper.make_graph(nodes, "mlp_tiny", IO, [LOGITS], inits)
    write_model("mlp-tiny", vocab, graph, "MlpForSequenceClassification")


class AttentionClassifier(torch.nn.Module):
    """One self-attention layer (2 heads) over word embeddings, mean pool, classifier."""

    def __init__(self, vocab_size, dim=8, heads=2):
        super().__init__()
        self.heads, self.dim = heads, dim
        self.embed = torch.nn.Embedding(vocab_size, dim)
        self.qkv = torch.nn.Linear(dim, 3 * dim)
        self.out = torch.nn.Linear(dim, dim)
        self.classifier = torch.nn.Linear(dim, 2)

    def forward(self, input_ids, attention_mask):
        b, n = input_ids.shape
        x = self.embed(input_ids)
        q, k, v = self.qkv(x).split(self.dim, dim=2)
        split = lambda t: t.reshape(b, n, self.heads, self.dim // self.heads).transpose(1, 2)  # noqa: E731
        q, k, v = split(q), split(k), split(v)
        m = attention_mask.float()
        scores = q @ k.transpose(2, 3) / (self.dim // self.heads) ** 0.5
        scores = scores + (1.0 - m)[:, None, None, :] * -10000.0
        probs = torch.softmax(scores, dim=-1)
        h = (probs @ v).transpose(1, 2).reshape(b, n, self.dim)
        h = x + self.out(h)
        pooled = (h * m[:, :, None]).sum(1) / m.sum(1, keepdim=True)
        return self.classifier(pooled)


def attn_tiny(vocab, sentences):
    """The attention toy, exported by torch so its graph looks like a real export's."""
    torch.manual_seed(1)
    net = AttentionClassifier(len(vocab))
    encoded = [[vocab["[CLS]"]] + [vocab[w] for w in s.split()] + [vocab["[SEP]"]] for s in sentences]
    length = max(len(e) for e in encoded)
    ids = torch.tensor([e + [0] * (length - len(e)) for e in encoded])
    mask = torch.tensor([[1] * len(e) + [0] * (length - len(e)) for e in encoded])
    labels = torch.tensor([int(sum(LEXICON.get(w, 0) for w in s.split()) > 0) for s in sentences])
    optimizer = torch.optim.Adam(net.parameters(), lr=0.03)
    # Few steps: a model trained to saturation (p = 1.0) leaves faithfulness nothing to measure.
    for _ in range(40):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(ids, mask), labels)
        loss.backward()
        optimizer.step()
    print(f"attn-tiny: training loss {loss.item():.3f}")
    root = os.path.join(OUT, "attn-tiny")
    os.makedirs(os.path.join(root, "onnx"), exist_ok=True)
    net.eval()
    torch.onnx.export(
        net, (ids[:2], mask[:2]), os.path.join(root, "onnx", "model.onnx"),
        input_names=["input_ids", "attention_mask"], output_names=["logits"],
        dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                      "attention_mask": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}},
        opset_version=14)
    write_config(root, "attn-tiny", vocab, "AttentionForSequenceClassification")


def sentence(rng):
    words = [rng.choice(NEUTRAL) for _ in range(rng.randint(3, 9))]
    for _ in range(rng.randint(1, 3)):
        words.insert(rng.randint(0, len(words)), rng.choice(sorted(LEXICON)))
    return " ".join(words)


def main():
    os.makedirs(OUT, exist_ok=True)
    words = sorted(set(LEXICON) | set(NEUTRAL))
    vocab = {t: i for i, t in enumerate(SPECIALS + words)}
    rng = random.Random(11)
    bow_linear(vocab)
    training = [sentence(rng) for _ in range(3000)]
    mlp_tiny(vocab, training)
    with open(os.path.join(OUT, "lexicon.json"), "w") as f:
        json.dump(LEXICON, f, indent=1, sort_keys=True)
    with open(os.path.join(OUT, "corpus_1000.jsonl"), "w") as f:
        for i in range(1000):
            f.write(json.dumps({"id": f"s{i:04d}", "text": sentence(rng)}) + "\n")
    with open(os.path.join(OUT, "corpus_small.txt"), "w") as f:
        for _ in range(20):
            f.write(sentence(rng) + "\n")
    attn_tiny(vocab, training[:1000])


if __name__ == "__main__":
    main()
