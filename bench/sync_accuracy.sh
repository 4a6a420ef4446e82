#!/usr/bin/env bash
# Validation accuracy of distributed training by synchronisation mode and number of functions:
# seed-cnn on 10,000 Fashion-MNIST training images, 3 epochs, Adam 0.001, batch 32, evaluated
# on the 10,000 test images, on the embedded local platform with a redis-server store.
#
# usage: bench/sync_accuracy.sh [OUT_DIR] [WORKER_COUNTS] [SYNC_MODES]
#   defaults: runs/sync-accuracy "1 5 10" "epoch steps:10 grad"
# Prints one line per run and a Markdown table at the end (also in OUT_DIR/table.md).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/sync-accuracy}
WORKERS=${2:-"1 5 10"}
MODES=${3:-"epoch steps:10 grad"}
FAASDL=${FAASDL:-build/faasdl}
EPOCHS=${EPOCHS:-3}
LIMIT=${LIMIT:-10000}
EXTRA=${EXTRA:-}   # more train options, e.g. "--lr-scaling sqrt"
mkdir -p "$OUT"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$OUT/redis.log" 2>&1 &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

[ -f "$OUT/table.md" ] || echo "| sync | workers | val_accuracy (epoch 1, 2, 3) | wall s | billed s | cost USD |" > "$OUT/table.md"
[ "$(wc -l < "$OUT/table.md")" -gt 1 ] || echo "|---|---|---|---|---|---|" >> "$OUT/table.md"
for mode in $MODES; do
  for n in $WORKERS; do
    tag=$(printf '%s' "$EXTRA" | tr -cs 'a-z0-9' '-')
    dir="$OUT/${mode/:/-}-n$n${tag:+-$tag}"
    rm -rf "$dir"
    "$FAASDL" train --model seed-cnn --data fashion-mnist --limit "$LIMIT" --epochs "$EPOCHS" --batch 32 \
      --optimizer adam --lr 0.001 --seed 1 --workers "$n" --sync "$mode" --store "redis://127.0.0.1:$port/0" \
      --no-progress --out "$dir" $EXTRA > "$dir.log" 2>&1 || { echo "run $mode n=$n failed, see $dir.log"; continue; }
    python3 - "$dir" "$mode${EXTRA:+ ($EXTRA)}" "$n" >> "$OUT/table.md" <<'PY'
import json, sys
d, mode, n = sys.argv[1:]
recs = [json.loads(l) for l in open(d + "/metrics.jsonl") if l.strip()]
accs = ", ".join(f"{r['val_accuracy']:.4f}" for r in recs)
wall = sum(r["wall_s"] for r in recs)
billed = sum(r.get("billed_s", 0) for r in recs)
cost = sum(r.get("cost_usd", 0) for r in recs)
print(f"| {mode} | {n} | {accs} | {wall:.1f} | {billed:.1f} | {cost:.5f} |")
PY
    tail -1 "$OUT/table.md"
  done
done
echo
cat "$OUT/table.md"
