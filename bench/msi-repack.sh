#!/usr/bin/env bash
# Compares `msikit repack` (re-encode every table, copy every other stream)
# with `cp` on a large installer package: testdata/sample.msi plus a
# 420 MiB pseudo-random cabinet stream (bench/bigmsi). Wall time and peak
# RSS from /usr/bin/time -v, RUNS interleaved rounds, page cache warm,
# medians. The durable pair is shown as well: `cp` followed by
# `sync FILE`, and repack --sync (temp file, fsync, rename).
# The issue's targets: repack wall time <= 1.5x cp, peak RSS <= 64 MiB.
#
#   bash bench/msi-repack.sh        # uses $TMPDIR (or /tmp)
#   RUNS=9 MIB=420 bash bench/msi-repack.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
MIB=${MIB:-420}
work=$(mktemp -d "${TMPDIR:-/tmp}/msikit-msi-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -o "$work/msikit" ./cmd/msikit
go run ./bench/bigmsi -o "$work/big.msi" -mib "$MIB"

source bench/repack-lib.sh
repack_compare "$work" "$work/big.msi" "$RUNS" "sample.msi + $MIB MiB cabinet stream" "$work/msikit" repack "$work/big.msi" -o "$work/out"
