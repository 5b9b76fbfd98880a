#!/usr/bin/env bash
# The vector benchmark on a GPU machine, in one command that finishes within 8 minutes on an H100/H200.
#
#   evals/perf/gpu_run.sh                 # writes vector_bench_gpu.{json,log} under $OUT (or evals/perf/)
#
# Needs python3 with torch (CUDA) and numpy; sentence-transformers is used when present. faiss is
# optional: without it only the GPU paths, semantic_search and exact numpy run. To include the CPU
# kinds and raw FAISS, carry a faiss-cpu wheel in .whl/ (ignored by git), fetched where pip works:
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_28_x86_64 -d .whl faiss-cpu==1.15.1
# and run it with the device tool as:  run(command="evals/perf/gpu_run.sh", carry=[".whl"], timeout_s=540)
# Sizes 100k and 1M: every CPU kind but HNSW, raw FAISS, semantic_search, the torch fp16 (certified) and
# fp32 paths and faiss-gpu when installed; 4M: ivf-sq8 on the CPU and every GPU path. SIZES overrides.
set -uo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
DEST=${OUT:-evals/perf}
if ! $PY -c "import faiss" 2>/dev/null && compgen -G ".whl/faiss_cpu-*.whl" >/dev/null; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
{
  timeout 210 $PY evals/perf/vector_bench.py --sizes "${SIZES:-100k,1M}" --kinds flat,ivf,ivf-sq8 --ram-gb 48 \
    --queries 200 --batch-queries 4096 --json "$DEST/vector_bench_gpu.json"
  timeout 260 $PY evals/perf/vector_bench.py --sizes "${SIZES_LARGE:-4M}" --kinds ivf-sq8 --ram-gb 48 \
    --queries 200 --batch-queries 4096 --json "$DEST/vector_bench_gpu_4M.json"
} 2>&1 | tee "$DEST/vector_bench_gpu.log"
