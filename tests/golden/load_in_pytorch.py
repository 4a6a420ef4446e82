#!/usr/bin/python3
"""Loads a seed-cnn weights file written by faasdl into PyTorch and checks its logits.

usage: load_in_pytorch.py WEIGHTS.safetensors GOLDEN.safetensors
Reads WEIGHTS with a plain safetensors parser (8-byte header length, JSON header, raw data),
loads it into the PyTorch model of make_seed_cnn_golden.py with load_state_dict(strict=True),
runs the golden input through it and compares with the golden logits. Exit 0 when they match.
"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_seed_cnn_golden import SeedCnn  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", f"{name}: dtype {info['dtype']}"
        begin, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(body[begin:end]), dtype=torch.float32)
        out[name] = t.reshape(info["shape"])
    return out


def main():
    weights, golden = read_safetensors(sys.argv[1]), read_safetensors(sys.argv[2])
    model = SeedCnn()
    # faasdl names parameters as Keras names its layers; the PyTorch module uses the same names.
    model.load_state_dict(weights, strict=True)
    with torch.no_grad():
        logits = model(golden["input"])
    diff = (logits - golden["logits"]).abs().max().item()
    scale = golden["logits"].abs().max().item()
    print(f"max |logits - golden| = {diff:.3g} (scale {scale:.3g})")
    sys.exit(0 if diff <= 1e-4 * max(scale, 1.0) else 1)


if __name__ == "__main__":
    main()
