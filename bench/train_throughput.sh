#!/usr/bin/env bash
# Images/s of `faasdl train` itself (real Fashion-MNIST data: batches, normalisation, Adam, the
# whole loop) next to PyTorch's training step on the same model, batch and threads, in one run.
#
# usage: bench/train_throughput.sh [THREADS=2] [LIMIT=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-2}
LIMIT=${2:-10000}
FAASDL=${FAASDL:-build/faasdl}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$FAASDL" train --model seed-cnn --data fashion-mnist --limit "$LIMIT" --test-limit 1000 --epochs 1 --batch 32 \
  --optimizer adam --lr 0.001 --threads "$THREADS" --seed 1 --no-progress --out "$out/run" >/dev/null 2>&1
f=$(/usr/bin/python3 -c "import json; print(json.loads(open('$out/run/metrics.jsonl').readline())['images_per_s'])")
p=$(/usr/bin/python3 bench/vs_pytorch.py --input 28x28x1 --batch 32 --threads "$THREADS" --steps 100 |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')
/usr/bin/python3 -c "print(f'faasdl train (fashion-mnist, seed-cnn, batch 32, $THREADS threads): {$f:.0f} img/s; pytorch training step: {$p:.0f} img/s; ratio {$f/$p:.2f}')"
