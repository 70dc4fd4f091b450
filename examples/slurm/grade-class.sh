#!/bin/bash
# Grade a class on Slurm: an array of N shards, then one merge job that runs when all succeeded.
#   examples/slurm/grade-class.sh ps01 /shared/ps01-export.zip /shared/ps01-grades 8
# Re-running it after a failure regrades only what is missing or changed (results are kept
# per student in each shard's folder).
set -euo pipefail
assignment=$1 submissions=$2 out=$3 shards=${4:-8}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
array=$(sbatch --parsable --array="1-$shards" "$here/grade-shard.sbatch" "$assignment" "$submissions" "$out")
sbatch --dependency="afterok:$array" --job-name=grade-merge --output="grade-merge-%j.out" \
    --wrap "cd '${COURSE_DIR:-$PWD}' && .venv/bin/python -m autograder merge '$out'/shard-* --out '$out'"
echo "queued shards as job $array; grades will be in $out/grades.csv"
