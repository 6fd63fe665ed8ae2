"""Exports the base encoder (all-MiniLM-L6-v2, the same safetensors Nacre packs) to ONNX for
the transformers.js side of the benchmark, as a local transformers.js model folder:

    OUT/config.json, tokenizer.json, tokenizer_config.json
    OUT/onnx/model.onnx            fp32, torch.onnx (TorchScript exporter), opset 17
    OUT/onnx/model_quantized.onnx  "q8": onnxruntime dynamic quantization, int8 weights,
                                   one scale per output channel (like Nacre's per-row int8)

Each file is checked against PyTorch on a sentence pair (mean-pooled, normalized embeddings:
cosine >= 0.9999 for fp32, >= 0.99 for q8). Usage: export_onnx.py BASE_DIR OUT_DIR
"""
import os
import shutil
import sys

import numpy as np
import onnxruntime
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from tokenizers import Tokenizer
from transformers import BertModel

INPUTS = ["input_ids", "attention_mask", "token_type_ids"]
# Traced on one shape, checked on another (a padded batch): the axes must really be dynamic.
TRACE = ["A man is eating a piece of bread."]
CHECK = ["A man is eating food.", "How do I kill a Python process that hangs?"]


def embed(hidden, mask):
    """Mean pooling over real tokens, then L2 normalization (sentence-transformers' recipe)."""
    mask = mask[..., None].astype(np.float32)
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


class Encoder(torch.nn.Module):
    """BertModel with the three inputs by position (the exporter's calling convention)."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state


def batch(tokenizer, texts):
    tokenizer.enable_padding()
    encodings = tokenizer.encode_batch(texts)
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


def check(path, feed, reference, min_cosine):
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    (hidden,) = session.run(["last_hidden_state"], feed)
    cosine = (embed(hidden, feed["attention_mask"]) * reference).sum(1).min()
    assert cosine >= min_cosine, f"{path}: cosine {cosine:.5f} < {min_cosine}"
    print(f"{os.path.basename(path)}: {os.path.getsize(path)} bytes, cosine to PyTorch {cosine:.5f}")


def main(base, out):
    onnx_dir = os.path.join(out, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)
    for name in ["config.json", "tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(os.path.join(base, name), out)

    model = BertModel.from_pretrained(base, attn_implementation="eager", add_pooling_layer=False).eval()
    tokenizer = Tokenizer.from_file(os.path.join(base, "tokenizer.json"))
    feed = batch(tokenizer, CHECK)
    with torch.no_grad():
        hidden = model(**{k: torch.from_numpy(v) for k, v in feed.items()}).last_hidden_state.numpy()
    reference = embed(hidden, feed["attention_mask"])

    fp32 = os.path.join(onnx_dir, "model.onnx")
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUTS + ["last_hidden_state"]}
    torch.onnx.export(
        Encoder(model),
        tuple(torch.from_numpy(batch(tokenizer, TRACE)[name]) for name in INPUTS),
        fp32,
        input_names=INPUTS,
        output_names=["last_hidden_state"],
        dynamic_axes=axes,
        opset_version=17,
        dynamo=False,
    )
    check(fp32, feed, reference, 0.9999)

    q8 = os.path.join(onnx_dir, "model_quantized.onnx")
    quantize_dynamic(fp32, q8, weight_type=QuantType.QInt8, per_channel=True)
    check(q8, feed, reference, 0.99)


if __name__ == "__main__":
    main(*sys.argv[1:3])
