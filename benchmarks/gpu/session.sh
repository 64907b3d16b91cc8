#!/usr/bin/env bash
# The GPU measurements of issues 19 and 20, as prepared scripts of one device call each:
#   bash benchmarks/gpu/session.sh all       # everything below in one call of under 9 min:
#                                            # speed alone (~3.7 min), then stop and pipeline
#                                            # together (4.5 min; they share the GPU)
#   bash benchmarks/gpu/session.sh speed     # steady-state trainer/bare/precision rates, and the
#                                            # SSM's scans against the LSTM, mambapy and
#                                            # transformers' Mamba
#   bash benchmarks/gpu/session.sh stop      # epochs to the early stop, paper recipes
#   bash benchmarks/gpu/session.sh pipeline  # Snakemake end to end: presets/gpu.yaml with one
#                                            # model per family (one_per_family.yaml)
# A session is lent 15 device minutes, start-up included: `all` is the one call to make; the
# single stages, with their longer limits (LIMIT_TEXT, LIMIT_SSM, LIMIT_STOP, LIMIT_PIPELINE, in
# seconds), are for a second call.
# Run from the repository root on the GPU machine with the WikiText-2 mirror at $MIRROR (carry a
# copy: mkdir -p .mirror && cp -r ../shared/data/wikitext-2 .mirror/, '.mirror' ignored in
# .git/info/exclude and named in carry) and the wheels of benchmarks/gpu/wheels.sh in .whl
# (Snakemake, pooch, mambapy; carried too).  What is kept lands in $KEEP; after every stage
# $OUT gets three files (the device returns at most 8 from $OUT, none deeper than 2 folders):
# summary.md (benchmarks/gpu/summarize.py: every number, and the cost model's constants they
# propose), session.log and session.tar.gz (all of $KEEP).  SMOKE=1 runs the same commands at
# toy sizes on a CPU (pipeline: a dry run) to check the script.
set -uo pipefail
STAGE=${1:?all, speed, stop or pipeline}
OUT=${OUT:-/tmp/gpu_out}      # what comes back: summary.md, session.log, session.tar.gz
WORK=${WORK:-/tmp/gpu_work}   # what does not: data, checkpoints, samples
KEEP=$WORK/keep               # logs, tables, benchmark files (small): packed into $OUT
MIRROR=$(realpath "${MIRROR:-.mirror}")
SMOKE=${SMOKE:-0}
PY=${PY:-python3}
mkdir -p "$OUT" "$WORK" "$KEEP"
export PYTHONPATH=$PWD/workflow PYTHONUNBUFFERED=1
log() { echo "[$(date +%T)] $*" | tee -a "$KEEP/session.log"; }
pack() {  # what comes back, after every stage: a session cut by its time limit keeps the last
  $PY benchmarks/gpu/summarize.py "$KEEP" > "$OUT/summary.md" 2>> "$KEEP/session.log"
  cp "$KEEP/session.log" "$OUT/"
  tar -czf "$OUT/session.tar.gz" -C "$KEEP" . 2>/dev/null
}
if ls .whl/*.whl >/dev/null 2>&1 && [ "$SMOKE" != 1 ]; then  # Snakemake, pooch, mambapy
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl && export PYTHONPATH=$PYTHONPATH:/tmp/site
fi
log "stage $STAGE; torch $($PY -c 'import torch; print(torch.__version__, torch.cuda.is_available())')"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv >> "$KEEP/session.log"

speed() {  # limits: $1 the text benchmark, $2 each SSM benchmark (seconds)
  local sizes
  if [ "$SMOKE" = 1 ]; then sizes=(--tiny --steps 2 --warmup 1 --levels char); else sizes=(--steps 60 --warmup 15); fi
  timeout "$1" $PY benchmarks/bench_text_scale.py --mirror "$MIRROR" "${sizes[@]}" --compile \
    --profile 10 --out "$KEEP/text_scale.json" 2>&1 | tee "$KEEP/text_scale.txt"
  log "text scale: exit ${PIPESTATUS[0]}"
  # the SSM: its scans (step by step, chunked, mambapy's) and the LSTM of equal state, binary
  # (50 x 512) and at the char recipe's batch (128 x 100, width 64)
  local flags=(--device auto --scans) shapes shape
  $PY -c "import mambapy" 2>/dev/null && flags+=(--mambapy)
  $PY -c "from transformers import MambaForCausalLM" 2>/dev/null && flags+=(--hf-mamba)
  if [ "$SMOKE" = 1 ]; then shapes=("--quick --batch 4 --length 64"); else
    shapes=("--steps 20 --repeats 3"
            "--width 64 --batch 128 --length 100 --steps 20 --samples 2000 --sample-length 100"); fi
  for shape in "${shapes[@]}"; do
    timeout "$2" $PY benchmarks/bench_ssm.py $shape "${flags[@]}" --out "$KEEP/ssm.jsonl" 2>&1 |
      tee -a "$KEEP/ssm.txt"
    log "ssm benchmark ($shape): exit ${PIPESTATUS[0]}"
  done
}

stop() {  # limit: $1 seconds per training
  # Paper recipes to the early stop, several trainings at once (small ones share the GPU well).
  # binary: the paper's data (10,000 x 512), one model per family; text: the char Transformer
  # 128 x 1 on all of WikiText-2 (bf16), the word Transformer 16 x 1.  Each is cut at its time
  # limit: log.csv then gives a lower bound of its epochs to the stop.
  local limit=$1 n_train=10000 n_valid=2000 text_flags=() level model
  if [ "$SMOKE" = 1 ]; then limit=60; n_train=100; n_valid=40; text_flags=(--train-symbols 20000 --valid-symbols 5000 --max-epochs 2); fi
  local synth="$PY -m miscaling synth binary --length 512 --amplitude 0.1 --gamma 0.4 --mode exact"
  $synth --n-seq $n_train --seed 1 --out "$WORK/data/train.npy" &&
  $synth --n-seq $n_valid --seed 2 --out "$WORK/data/valid.npy" &&
  $PY -m miscaling download wikitext2 --dest "$WORK/raw/wikitext2" --mirror "$MIRROR" \
    >> "$KEEP/session.log" 2>&1 || return 1
  for level in char word; do
    $PY -m miscaling prepare corpus "$WORK/raw/wikitext2/manifest.json" --level $level \
      --out-dir "$WORK/data/wikitext2_$level" >> "$KEEP/session.log" 2>&1 || return 1
  done
  # the paper preset's options: RNN/LSTM embedding 2, Transformer 4 heads
  for model in "rnn 8 1 --embedding-dim 2" "lstm 8 1 --embedding-dim 2" \
               "transformer 16 1 --heads 4" "ssm 8 1"; do
    set -- $model
    timeout $limit $PY -m miscaling train --arch $1 --width $2 --depth $3 --data binary "${@:4}" \
      --train "$WORK/data/train.npy" --valid "$WORK/data/valid.npy" --device auto \
      --out-dir "$WORK/stop/binary_$1_w$2_d$3" > "$KEEP/stop_binary_$1.log" 2>&1 &
  done
  for model in "char transformer 128 1" "word transformer 16 1"; do
    set -- $model
    timeout $limit $PY -m miscaling train --arch $2 --width $3 --depth $4 --data $1 \
      --train "$WORK/data/wikitext2_$1/train.npy" --valid "$WORK/data/wikitext2_$1/valid.npy" \
      "${text_flags[@]}" --device auto --out-dir "$WORK/stop/$1_$2_w$3_d$4" \
      > "$KEEP/stop_$1_$2.log" 2>&1 &
  done
  wait
  local run
  for run in "$WORK"/stop/*; do
    log "$(basename "$run"): $(tail -n +2 "$run/log.csv" 2>/dev/null | wc -l) epochs," \
        "result.json $( [ -f "$run/result.json" ] && echo written || echo absent: cut at the limit)"
    mkdir -p "$KEEP/stop/$(basename "$run")"
    cp "$run"/log.csv "$run"/result.json "$KEEP/stop/$(basename "$run")/" 2>/dev/null
  done
}

pipeline() {  # limit: $1 seconds for the whole Snakemake run
  # presets/gpu.yaml, one model per family and few epochs (one_per_family.yaml), the whole DAG
  # through Snakemake with the workstation profile; GPU jobs share the card (gpu=4).  The wall
  # time of every step: $KEEP/steps.txt (the rules' benchmark files), the log: $KEEP/snakemake.log.
  local configs=(config.yaml presets/gpu.yaml benchmarks/gpu/one_per_family.yaml)
  local run=(-d "$WORK/run" --profile profiles/local --resources gpu=4 --configfile "${configs[@]}")
  if [ "$SMOKE" = 1 ]; then
    $PY -m snakemake "${run[@]}" -n --quiet rules > "$KEEP/snakemake.log" 2>&1
    log "pipeline dry run: exit $?, $(grep -E '^total' "$KEEP/snakemake.log")"
    return
  fi
  MISCALING_MIRROR=$MIRROR timeout "$1" $PY -m snakemake "${run[@]}" > "$KEEP/snakemake.log" 2>&1
  log "pipeline: exit $?"
  tail -n 30 "$KEEP/snakemake.log"
  # the small results: benchmark files, logs, summary tables, claims (no data or models)
  (cd "$WORK/run" && find results -type f \( -path 'results/benchmarks/*' -o -path \
     'results/logs/*' -o -name '*.csv' -size -2M -o -name '*.html' -size -8M \) | grep -v '/data/' |
     tar -cf - -T - 2>/dev/null) | tar -xf - -C "$KEEP" 2>/dev/null
  $PY - "$WORK/run/results/benchmarks" <<'PYTHON' | tee "$KEEP/steps.txt"
import sys
from pathlib import Path

import pandas as pd
from miscaling.snapshot import step_times

root = Path(sys.argv[1])
print(step_times(root).to_string(index=False))
for path in sorted(root.glob("*_model/**/*.tsv")) + sorted(root.glob("*text*/**/*.tsv")):
    table = pd.read_csv(path, sep="\t")
    print(f"{path.relative_to(root)}: {float(table['s'].iloc[-1]):.1f} s")
PYTHON
}

case "$STAGE" in
  speed) speed "${LIMIT_TEXT:-420}" "${LIMIT_SSM:-90}" ;;
  stop) stop "${LIMIT_STOP:-420}" ;;
  pipeline) pipeline "${LIMIT_PIPELINE:-540}" ;;
  all)
    # one device call (600 s at most): ~220 s of speed, then ~290 s of both
    speed "${LIMIT_TEXT:-130}" "${LIMIT_SSM:-45}"
    pack
    stop "${LIMIT_STOP:-270}" > "$KEEP/stop.txt" 2>&1 &
    pipeline "${LIMIT_PIPELINE:-270}"
    wait
    cat "$KEEP/stop.txt" ;;
  *) echo "unknown stage $STAGE: all, speed, stop or pipeline" >&2; exit 2 ;;
esac
log "done"
pack
