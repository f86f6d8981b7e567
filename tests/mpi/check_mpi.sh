#!/bin/sh
# Two MPI ranks print exactly what one process prints (search, sweep, sweep --search), and exit
# alike.
# Usage: check_mpi.sh TRAINSIM MPIEXEC SOURCE_DIR
set -u
trainsim=$1
mpiexec=$2
scenarios=$3/scenarios
status=0
check() {
  one=$("$trainsim" "$@" 2>/dev/null)
  one_status=$?
  two=$("$mpiexec" -n 2 --oversubscribe --allow-run-as-root "$trainsim" "$@" 2>/dev/null)
  two_status=$?
  if [ "$one" != "$two" ] || [ "$one_status" != "$two_status" ]; then
    echo "FAIL: 2 ranks differ from 1 process (exit $two_status vs $one_status): $*"
    status=1
  else
    echo "ok: $*"
  fi
}
check search "$scenarios/llama3.1-8b-single-node.json" --top 4 --format json
check search --top 3
check sweep --vary cluster.nodes=1,2 --set model=gpt3-1.3b --set training.global_batch=64 \
  --search --format csv
check search --set parallel.tp=7
# Plain sweeps deal their points out and exchange the predictions: every format, a point that is
# invalid (tp 7), runs with checkpoints and failures, and the flow engine.
check sweep --vary parallel.tp=8,7,4 --vary training.micro_batch=1,2 --format json
check sweep --vary cluster.nodes=64..256*2 --set training.tokens=300e9 \
  --set cluster.storage_GBps=100 --set cluster.gpu_mtbf_hours=50700
check sweep "$scenarios/mixtral-8x7b-expert-parallel.json" --set engine.network=flow \
  --vary training.micro_batch=1,2 --format csv
exit $status
