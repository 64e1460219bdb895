"""Dynamically quantized (int8) twins of the tiny test models, written the way onnxruntime's
`quantize_dynamic` writes them: each MatMul whose second input is a float weight becomes

    A -> DynamicQuantizeLinear -> (A_q uint8, A_scale, A_zero_point)
    MatMulInteger(A_q, B_q int8, A_zero_point, B_zero_point) -> int32
    Cast(int32 -> float) * (A_scale * B_scale)

with the weight quantized symmetrically per tensor (int8, zero point 0). DynamicQuantizeLinear takes one
scale over its whole input tensor, every row of a batch and every padded position included: that is why
such a model's output for a row depends on what it is batched with, and why glassbox must run these
graphs one row at a time. onnxruntime's Python package is not installable here, so the rewrite is
written out with onnx.helper; it needs only onnx and numpy:

    /usr/bin/python3 scripts/make_quantized_fixtures.py

It reads testdata/models/{distilbert-tiny-opset14,gpt2-tiny-opset17} and writes their `-int8` twins
(config, tokenizer files, and onnx/model_quantized.onnx, as transformers.js names the file).
"""
import json
import os
import shutil

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

ROOT = os.path.join(os.path.dirname(__file__), "..", "testdata", "models")
SOURCES = ["distilbert-tiny-opset14", "gpt2-tiny-opset17"]


def quantize(model):
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    nodes = []
    new_inits = []
    count = 0
    for node in graph.node:
        weight = inits.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is None or weight.data_type != TensorProto.FLOAT or len(weight.dims) != 2:
            nodes.append(node)
            continue
        count += 1
        w = numpy_helper.to_array(weight).astype(np.float32)
        w_scale = np.float32(max(float(np.abs(w).max()), 1e-12) / 127.0)
        w_q = np.clip(np.round(w / w_scale), -127, 127).astype(np.int8)
        p = f"{node.name or node.output[0]}_q"
        new_inits += [
            numpy_helper.from_array(w_q, f"{p}_B_quantized"),
            numpy_helper.from_array(np.array(w_scale, dtype=np.float32), f"{p}_B_scale"),
            numpy_helper.from_array(np.array(0, dtype=np.int8), f"{p}_B_zero_point"),
        ]
        a = node.input[0]
        nodes += [
            helper.make_node(
                "DynamicQuantizeLinear", [a], [f"{p}_A_quantized", f"{p}_A_scale", f"{p}_A_zero_point"],
                name=f"{p}_DynamicQuantizeLinear",
            ),
            helper.make_node(
                "MatMulInteger",
                [f"{p}_A_quantized", f"{p}_B_quantized", f"{p}_A_zero_point", f"{p}_B_zero_point"],
                [f"{p}_int32"], name=f"{p}_MatMulInteger",
            ),
            helper.make_node("Mul", [f"{p}_A_scale", f"{p}_B_scale"], [f"{p}_scale"], name=f"{p}_scale_Mul"),
            helper.make_node("Cast", [f"{p}_int32"], [f"{p}_float"], to=TensorProto.FLOAT, name=f"{p}_Cast"),
            helper.make_node("Mul", [f"{p}_float", f"{p}_scale"], list(node.output), name=f"{p}_Mul"),
        ]
    used = {i for n in nodes for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    onnx.checker.check_model(model)
    return count


def main():
    for source in SOURCES:
        src = os.path.join(ROOT, source)
        dst = os.path.join(ROOT, source.split("-opset")[0] + "-int8")
        os.makedirs(os.path.join(dst, "onnx"), exist_ok=True)
        for f in ["config.json", "tokenizer.json", "tokenizer_config.json"]:
            shutil.copyfile(os.path.join(src, f), os.path.join(dst, f))
        model = onnx.load(os.path.join(src, "onnx", "model.onnx"))
        n = quantize(model)
        onnx.save(model, os.path.join(dst, "onnx", "model_quantized.onnx"))
        print(f"{dst}: {n} MatMuls quantized")


if __name__ == "__main__":
    main()
