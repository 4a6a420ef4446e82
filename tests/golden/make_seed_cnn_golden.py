#!/usr/bin/python3
"""Writes tests/golden/seed_cnn_golden.safetensors: an independent PyTorch computation that the
C++ engine must reproduce (tests/nn/golden_test.cpp).

The model is seed-cnn (Conv 32, Conv 32, MaxPool, Conv 64, Conv 64, MaxPool, Flatten, Dense 32,
Dense 10, ReLU after every conv and the first dense) on a 16x16x3 input, which exercises every
layer of the 32x32x3 model while keeping the file small. The file holds the weights, a batch,
the labels, the logits, the mean cross-entropy loss, every weight gradient, and the weights after
one Adam step (lr 1e-3, eps 1e-7) and one SGD step (lr 0.1, momentum 0.9, Nesterov, weight
decay 1e-4).

Run with Debian's python3-torch:  /usr/bin/python3 tests/golden/make_seed_cnn_golden.py
"""
import json
import os
import struct

import torch
import torch.nn as nn

torch.manual_seed(1234)
torch.set_num_threads(1)

H = W = 16
BATCH = 4


class SeedCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv2d = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2d_1 = nn.Conv2d(32, 32, 3, padding=1)
        self.conv2d_2 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv2d_3 = nn.Conv2d(64, 64, 3, padding=1)
        self.dense = nn.Linear(64 * (H // 4) * (W // 4), 32)
        self.dense_1 = nn.Linear(32, 10)

    def forward(self, x):
        r = torch.relu
        x = r(self.conv2d(x))
        x = r(self.conv2d_1(x))
        x = nn.functional.max_pool2d(x, 2)
        x = r(self.conv2d_2(x))
        x = r(self.conv2d_3(x))
        x = nn.functional.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = r(self.dense(x))
        return self.dense_1(x)


def save_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, t in tensors:
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def main():
    model = SeedCnn()
    # Biases are non-zero so the test also checks that they are applied.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.uniform_(-0.1, 0.1)
    x = torch.randn(BATCH, 3, H, W)
    labels = torch.tensor([3, 0, 9, 3])
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, labels)
    loss.backward()

    tensors = [("input", x), ("labels", labels.to(torch.float32)), ("logits", logits), ("loss", loss.reshape(1))]
    for name, p in model.named_parameters():
        tensors.append((f"{name}", p))
        tensors.append((f"grad/{name}", p.grad))

    def stepped(opt_factory):
        clone = SeedCnn()
        clone.load_state_dict(model.state_dict())
        for p, q in zip(clone.parameters(), model.parameters()):
            p.grad = q.grad.clone()
        opt = opt_factory(clone.parameters())
        opt.step()
        return clone

    adam = stepped(lambda ps: torch.optim.Adam(ps, lr=1e-3, eps=1e-7))
    sgd = stepped(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4))
    # Updated values of the two dense layers are enough to check the update rules.
    for name, p in adam.named_parameters():
        if name.startswith("dense_1") or name.startswith("conv2d."):
            tensors.append((f"adam/{name}", p))
    for name, p in sgd.named_parameters():
        if name.startswith("dense_1") or name.startswith("conv2d."):
            tensors.append((f"sgd/{name}", p))

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed_cnn_golden.safetensors")
    save_safetensors(out, tensors, {"torch": torch.__version__, "input": f"{BATCH}x3x{H}x{W}"})
    print(f"wrote {out}: loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
