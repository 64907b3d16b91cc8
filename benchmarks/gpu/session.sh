#!/usr/bin/env bash
# The GPU measurements of issue 19, as one prepared script per device call (each under 10 min):
#   bash benchmarks/gpu/session.sh speed    # steady-state trainer/bare/precision rates (~5 min)
#   bash benchmarks/gpu/session.sh stop     # epochs to the early stop, paper recipes (~8 min)
# Run from the repository root on the GPU machine with the WikiText-2 mirror at $MIRROR (carry a
# copy: mkdir -p .mirror && cp -r ../shared/data/wikitext-2 .mirror/, '.mirror' ignored in
# .git/info/exclude and named in carry).  Everything lands in $OUT.  SMOKE=1 runs the same
# commands at toy sizes on a CPU (the tests' check that the script still works).
set -uo pipefail
STAGE=${1:?speed or stop}
OUT=${OUT:-/tmp/gpu_out}
MIRROR=${MIRROR:-.mirror}
SMOKE=${SMOKE:-0}
mkdir -p "$OUT"
export PYTHONPATH=$PWD/workflow PYTHONUNBUFFERED=1
PY=${PY:-python3}
log() { echo "[$(date +%T)] $*" | tee -a "$OUT/session.log"; }
log "stage $STAGE; torch $($PY -c 'import torch; print(torch.__version__, torch.cuda.is_available())')"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv >> "$OUT/session.log"

if [ "$STAGE" = speed ]; then
  if [ "$SMOKE" = 1 ]; then sizes=(--tiny --steps 2 --warmup 1 --levels char); else sizes=(--steps 60 --warmup 15); fi
  timeout 420 $PY benchmarks/bench_text_scale.py --mirror "$MIRROR" "${sizes[@]}" --compile \
    --profile 10 --out "$OUT/text_scale.json" 2>&1 | tee "$OUT/text_scale.txt"
  log "speed done: $?"
elif [ "$STAGE" = stop ]; then
  # Paper recipes to the early stop, several trainings at once (small ones share the GPU well).
  # binary: the paper's data (10,000 x 512), one model per family; text: the char Transformer
  # 128 x 1 on all of WikiText-2 (bf16), the word Transformer 16 x 1.  Each is cut at its time
  # limit: log.csv then gives a lower bound of its epochs to the stop.
  limit=420; n_train=10000; n_valid=2000; text_flags=()
  if [ "$SMOKE" = 1 ]; then limit=60; n_train=100; n_valid=40; text_flags=(--train-symbols 20000 --valid-symbols 5000 --max-epochs 2); fi
  synth="$PY -m miscaling synth binary --length 512 --amplitude 0.1 --gamma 0.4 --mode exact"
  $synth --n-seq $n_train --seed 1 --out "$OUT/data/train.npy" &&
  $synth --n-seq $n_valid --seed 2 --out "$OUT/data/valid.npy" &&
  $PY -m miscaling download wikitext2 --dest "$OUT/raw/wikitext2" --mirror "$MIRROR" \
    >> "$OUT/session.log" 2>&1 || exit 1
  for level in char word; do
    $PY -m miscaling prepare corpus "$OUT/raw/wikitext2/manifest.json" --level $level \
      --out-dir "$OUT/data/wikitext2_$level" >> "$OUT/session.log" 2>&1 || exit 1
  done
  # the paper preset's options: RNN/LSTM embedding 2, Transformer 4 heads
  for model in "rnn 8 1 --embedding-dim 2" "lstm 8 1 --embedding-dim 2" \
               "transformer 16 1 --heads 4" "ssm 8 1"; do
    set -- $model
    timeout $limit $PY -m miscaling train --arch $1 --width $2 --depth $3 --data binary "${@:4}" \
      --train "$OUT/data/train.npy" --valid "$OUT/data/valid.npy" --device auto \
      --out-dir "$OUT/stop/binary_$1_w$2_d$3" > "$OUT/stop_binary_$1.log" 2>&1 &
  done
  for model in "char transformer 128 1" "word transformer 16 1"; do
    set -- $model
    timeout $limit $PY -m miscaling train --arch $2 --width $3 --depth $4 --data $1 \
      --train "$OUT/data/wikitext2_$1/train.npy" --valid "$OUT/data/wikitext2_$1/valid.npy" \
      "${text_flags[@]}" --device auto --out-dir "$OUT/stop/$1_$2_w$3_d$4" \
      > "$OUT/stop_$1_$2.log" 2>&1 &
  done
  wait
  for run in "$OUT"/stop/*; do
    log "$(basename "$run"): $(tail -n +2 "$run/log.csv" 2>/dev/null | wc -l) epochs," \
        "result.json $( [ -f "$run/result.json" ] && echo written || echo absent: cut at the limit)"
  done
fi
