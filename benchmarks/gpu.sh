#!/usr/bin/env bash
# The GPU run of the generation benchmark (issue 12): WebNLG student + curriculum students
# (with and without the teacher) on one H100/H200, `_gpu` metrics merged into
# benchmarks/results/generation.json, about 11 minutes of wall time. See benchmarks/gpu.py.
#   bash benchmarks/gpu.sh             # the GPU run (refuses to run without CUDA)
#   bash benchmarks/gpu.sh --smoke     # toy sizes, any device, about a minute on a CPU
# Extra arguments go to benchmarks/gpu.py (--books psychology,philosophy, --out FILE, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
exec timeout "${GPU_TIMEOUT_S:-720}" "$PY" benchmarks/gpu.py "$@"
