#!/usr/bin/env bash
# Wheels for the GPU machine, which has PyTorch, numpy, pandas, matplotlib... but no Snakemake,
# pooch or mambapy and no package registry: run here (a registry reachable), then name .whl in
# the device call's carry; benchmarks/gpu/session.sh installs them there into /tmp/site.
#   bash benchmarks/gpu/wheels.sh            # -> .whl/ (ignored: add /.whl/ to .git/info/exclude)
# The list is Snakemake 9.27.1's and pooch 1.9.0's dependency closure less the packages the GPU
# image holds (library/device/KINDS.md), pinned to the versions this project's venv tests with;
# the image's Python is 3.12.  A package published only as a source archive is built into a
# wheel here (all such are pure Python).
set -euo pipefail
DEST=${DEST:-.whl}
PIP=${PIP:-.venv/bin/python -m pip}
PACKAGES=(
  annotated-types==0.8.0 argparse-dataclass==2.0.0 conda-inject==1.3.2 configargparse==1.9.0
  connection-pool==0.0.3 docutils==0.22.4 dpath==2.2.0 fastjsonschema==2.22.3 gitdb==4.0.12
  gitpython==3.2.1 greenlet==3.5.6 humanfriendly==10.0 immutables==0.21 jsonschema==4.26.0
  jsonschema-specifications==2025.9.1 jupyter-core==5.9.1 nbformat==5.11.1 platformdirs==4.14.9
  pooch==1.9.0 pulp==3.3.2 pydantic==2.14.4 pydantic-core==2.50.5 referencing==0.37.0
  rpds-py==2026.9.1 smart-open==7.7.1 smmap==5.0.3 snakemake==9.27.1
  snakemake-interface-common==1.23.0 snakemake-interface-executor-plugins==9.4.0
  snakemake-interface-logger-plugins==2.1.0 snakemake-interface-report-plugins==1.3.0
  snakemake-interface-scheduler-plugins==2.0.2 snakemake-interface-storage-plugins==4.4.1
  sqlalchemy==2.0.58 sqlmodel==0.0.37 tenacity==9.2.1 throttler==1.2.3 traitlets==5.16.1
  typing-inspection==0.4.5 yte==1.9.4
  mambapy==1.2.0  # the SSM benchmark's comparison (benchmarks/bench_ssm.py --mambapy)
)
PLATFORMS=()
for p in manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux_2_24_x86_64 manylinux_2_27_x86_64 \
         manylinux_2_28_x86_64 manylinux_2_31_x86_64 manylinux_2_34_x86_64 manylinux1_x86_64; do
  PLATFORMS+=(--platform "$p")
done
mkdir -p "$DEST"
for package in "${PACKAGES[@]}"; do
  $PIP download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    "${PLATFORMS[@]}" -d "$DEST" "$package" 2>/dev/null ||
    $PIP wheel -q --no-deps -w "$DEST" "$package"  # source only: a pure-Python wheel
done
ls "$DEST" | wc -l
du -sh "$DEST"
