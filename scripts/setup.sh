#!/usr/bin/env bash
# Set up (or update) the project's virtual environment in .venv: PyTorch first, pinned, so that no
# unpinned requirement pulls a multi-GB CUDA build, then this package with its test extras
# (pytest, scikit-learn, and the linters CI runs: ruff, snakefmt).
#   TORCH_SPEC  torch requirement to install (default: torch==2.13.0). GPU users: install the build
#               for their CUDA first (or set TORCH_SPEC); an importable torch is kept as it is.
#   VENV        where the environment lives (default: .venv)
#   EXTRAS      the package's optional extras to install (default: test); EXTRAS=test,slurm adds
#               the Snakemake executor plugin for profiles/slurm (newer numpy/pandas floors)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
PYTHON=${PYTHON:-python3}
EXTRAS=${EXTRAS:-test}

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  "${PIP[@]}" "$TORCH_SPEC"
fi
"${PIP[@]}" -e ".[$EXTRAS]"
echo "environment ready: $VENV ($("$VENV/bin/python" -c 'import torch, miscaling; print("torch", torch.__version__, "| miscaling", miscaling.__version__)'))"
