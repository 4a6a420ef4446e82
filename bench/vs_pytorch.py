#!/usr/bin/python3
"""Training-step throughput of seed-cnn in PyTorch (Debian's python3-torch), the peer that
`faasdl bench` is measured against: same model, same batch, same threads, Adam, synthetic data.

usage: bench/vs_pytorch.py --batch 32 --threads 2 [--input 32x32x3] [--steps 50] [--warmup 5]
Prints one JSON line like `faasdl bench`.
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def seed_cnn(c, h, w):
    return nn.Sequential(
        nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * (h // 4) * (w // 4), 32), nn.ReLU(),
        nn.Linear(32, 10),
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--input", default="32x32x3")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args()
    h, w, c = (int(v) for v in a.input.split("x"))
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = seed_cnn(c, h, w)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(a.batch, c, h, w)
    y = torch.randint(0, 10, (a.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    mean_ms = 1000 * sum(times) / len(times)
    print(json.dumps({
        "peer": f"pytorch {torch.__version__}",
        "batch": a.batch,
        "threads": a.threads,
        "input": a.input,
        "steps": a.steps,
        "images_per_s": a.batch * 1000 / mean_ms,
        "ms_per_step": mean_ms,
        "ms_per_step_median": 1000 * sorted(times)[len(times) // 2],
    }))


if __name__ == "__main__":
    main()
