#!/usr/bin/env bash
# faasdl against PyTorch on this machine, side by side: seed-cnn training steps (Adam) with the
# same batch and threads, alternating the two REPEATS times per batch size, then the median
# ratio faasdl/PyTorch and both as a fraction of the machine's SGEMM rate.
#
# usage: bench/cpu_vs_pytorch.sh [THREADS=2] [REPEATS=5] [BATCHES="32 128"] [INPUT=32x32x3]
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-2}
REPEATS=${2:-5}
BATCHES=${3:-"32 128"}
INPUT=${4:-32x32x3}
FAASDL=${FAASDL:-build/faasdl}
PY=/usr/bin/python3   # Debian's python3-torch
STEPS=${STEPS:-30}

peak=$("$FAASDL" bench --gemm --threads "$THREADS" --size 1024 --repeats 20 | $PY -c 'import json,sys; print(json.load(sys.stdin)["sgemm_gflops"])')
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); SGEMM 1024^3 with $THREADS threads: $peak GFLOP/s"
echo "seed-cnn $INPUT, Adam, $THREADS threads, $STEPS steps after warm-up, $REPEATS alternating pairs per batch"
for batch in $BATCHES; do
  ratios=()
  fa=()
  pt=()
  for i in $(seq "$REPEATS"); do
    f=$("$FAASDL" bench --model seed-cnn --input "$INPUT" --batch "$batch" --threads "$THREADS" --steps "$STEPS")
    p=$($PY bench/vs_pytorch.py --input "$INPUT" --batch "$batch" --threads "$THREADS" --steps "$STEPS")
    fi=$(echo "$f" | $PY -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')
    pi=$(echo "$p" | $PY -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')
    r=$($PY -c "print($fi/$pi)")
    printf "  batch %4d pair %d: faasdl %8.1f img/s  pytorch %8.1f img/s  ratio %.2f\n" "$batch" "$i" "$fi" "$pi" "$r"
    ratios+=("$r"); fa+=("$fi"); pt+=("$pi")
  done
  $PY - "$batch" "$peak" "${ratios[*]}" "${fa[*]}" "${pt[*]}" <<'PY'
import statistics, sys
batch, peak = int(sys.argv[1]), float(sys.argv[2])
ratios, fa, pt = ([float(v) for v in s.split()] for s in sys.argv[3:6])
mflop = 147.65  # training FLOPs per 32x32x3 image: 3 x 49.2 MFLOP forward
f, p = statistics.median(fa), statistics.median(pt)
print(f"batch {batch}: median faasdl {f:.1f} img/s ({f*mflop/1e3:.1f} GFLOP/s, {100*f*mflop/1e3/peak:.1f}% of SGEMM peak), "
      f"pytorch {p:.1f} img/s ({p*mflop/1e3:.1f} GFLOP/s, {100*p*mflop/1e3/peak:.1f}% of peak); "
      f"median ratio faasdl/pytorch {statistics.median(ratios):.2f}")
PY
done
