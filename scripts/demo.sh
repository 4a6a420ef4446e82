#!/usr/bin/env bash
# The main job: distributed training of the study's CNN on 5 serverless functions of the
# embedded local platform, on Fashion-MNIST (Debian's dataset-fashion-mnist), then the report.
set -euo pipefail
cd "$(dirname "$0")/.."
FAASDL=${FAASDL:-build/faasdl}
OUT=${OUT:-runs/demo}
rm -rf "$OUT"
echo "faasdl demo: seed-cnn on Fashion-MNIST (60,000 training images), 5 functions, 3 epochs"
"$FAASDL" model summary --model seed-cnn --input 28x28x1
"$FAASDL" train --model seed-cnn --data fashion-mnist --epochs 3 --batch 32 \
  --optimizer adam --lr 0.001 --seed 1 --workers 5 --sync epoch --out "$OUT"
echo
echo "Run directory: $OUT (config.json, metrics.jsonl, weights.safetensors)"
if [ -f "$OUT/report.html" ]; then
  echo "Report: $(cd "$OUT" && pwd)/report.html"
fi
