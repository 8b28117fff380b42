#!/usr/bin/env bash
# Compares `msikit cfb repack` with `cp` on a large compound file (400 MiB
# of big streams plus 2,000 small streams, made by bench/cfbgen): wall time
# and peak RSS from /usr/bin/time -v. The commands run interleaved, RUNS
# rounds, page cache warm, and the median wall time of each is reported
# (robust on a shared machine). The durable pair is shown as well: `cp`
# followed by `sync FILE`, and repack --sync (temp file, fsync, rename).
# The issue's targets: repack wall time <= 1.5x cp, peak RSS <= 64 MiB.
#
#   bash bench/cfb.sh            # uses $TMPDIR (or /tmp)
#   RUNS=9 MIB=400 bash bench/cfb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
MIB=${MIB:-400}
SMALL=${SMALL:-2000}
work=$(mktemp -d "${TMPDIR:-/tmp}/msikit-cfb-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -o "$work/msikit" ./cmd/msikit
go run ./bench/cfbgen -o "$work/large.cfb" -mib "$MIB" -small "$SMALL"

source bench/repack-lib.sh
repack_compare "$work" "$work/large.cfb" "$RUNS" "$MIB MiB big streams + $SMALL small streams" "$work/msikit" cfb repack "$work/large.cfb" -o "$work/out"
