#!/bin/bash
# Submits the shard array, then the merge once every array task has succeeded.
set -euo pipefail
cd "$(dirname "$0")/../.."
array=$(sbatch --parsable examples/slurm/jalad-shards.sbatch)
sbatch --dependency="afterok:${array}" examples/slurm/merge.sbatch
