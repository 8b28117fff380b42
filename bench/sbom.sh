#!/usr/bin/env bash
# Times `msikit sbom` on a large package: testdata/sample.msi plus a
# cabinet of MIB MiB (default 424) in 4 files the package installs, the
# first a .NET DLL whose metadata and version resource lie at its end
# (bench/bigmsi -files 4). Every byte is decoded, hashed (SHA-256, SHA-1)
# and, for the DLL, parsed as it streams by; the package file is hashed
# once more. For reference the same package through `msikit extract`
# (the same decoding, plus writing the files) and `sha256sum` of the
# package. Wall time and peak RSS from /usr/bin/time -v, RUNS interleaved
# rounds, page cache warm, medians. SMALL (default 106) MiB gives a second
# package of the same files four times smaller, to show that memory does
# not grow with file sizes.
#
#   bash bench/sbom.sh
#   RUNS=7 MIB=424 SMALL=106 bash bench/sbom.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
MIB=${MIB:-424}
SMALL=${SMALL:-106}
work=$(mktemp -d "${TMPDIR:-/tmp}/msikit-sbom-bench.XXXXXX")
out=/dev/shm; [ -d "$out" ] && [ -w "$out" ] || out=$work
xdir=$(mktemp -d "$out/msikit-sbom-bench-x.XXXXXX")
trap 'rm -rf "$work" "$xdir"' EXIT

CGO_ENABLED=0 go build -o "$work/msikit" ./cmd/msikit
go run ./bench/bigmsi -o "$work/big.msi" -mib "$MIB" -files 4
go run ./bench/bigmsi -o "$work/small.msi" -mib "$SMALL" -files 4

source bench/repack-lib.sh # once, median, maxrss
cat "$work/big.msi" "$work/small.msi" >/dev/null # warm the page cache
for n in cdx spdx small extract sha256sum; do rm -f "$work/$n.txt"; done
for _ in $(seq "$RUNS"); do
  once cdx "$work/msikit" sbom "$work/big.msi" -o "$work/big.cdx.json"
  once spdx "$work/msikit" sbom --format spdx "$work/big.msi" -o "$work/big.spdx.json"
  once small "$work/msikit" sbom "$work/small.msi" -o "$work/small.cdx.json"
  once extract sh -c 'rm -rf "$2/x" && "$1" extract "$3" -d "$2/x"' sh "$work/msikit" "$xdir" "$work/big.msi"
  once sha256sum sha256sum "$work/big.msi"
done
echo "input: $(stat -c %s "$work/big.msi") bytes (sample.msi + $MIB MiB cabinet of 4 files), small: $(stat -c %s "$work/small.msi") bytes; median of $RUNS interleaved runs"
for n in cdx spdx small extract sha256sum; do
  printf '%-10s wall %6.2fs  peak RSS %7s MiB   runs: %s\n' "$n" "$(cut -d' ' -f1 "$work/$n.txt" | median)" \
    "$(maxrss <"$work/$n.txt")" "$(cut -d' ' -f1 "$work/$n.txt" | tr '\n' ' ')"
done
