#!/usr/bin/env bash
# Compares `msikit repack` (re-encode every table, copy every other stream)
# with `cp` on a large installer package: testdata/sample.msi plus a
# 420 MiB pseudo-random cabinet stream (bench/bigmsi). Wall time and peak
# RSS from /usr/bin/time -v, RUNS interleaved rounds, page cache warm,
# medians. repack writes atomically and durably (temp file, fsync,
# rename), so `cp` followed by `sync FILE` is shown as well.
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

go build -o "$work/msikit" ./cmd/msikit
go run ./bench/bigmsi -o "$work/big.msi" -mib "$MIB"
cat "$work/big.msi" >/dev/null # warm the page cache
size=$(stat -c %s "$work/big.msi")

once() {
  local name=$1; shift
  rm -f "$work/out.msi"
  /usr/bin/time -v "$@" 2>"$work/time.txt" >/dev/null
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; w=s}
              /Maximum resident set size/ {r=$2} END {print w, r}' "$work/time.txt" >>"$work/$name.txt"
}
for _ in $(seq "$RUNS"); do
  once cp cp "$work/big.msi" "$work/out.msi"
  once cpsync sh -c 'cp "$1" "$2" && sync "$2"' sh "$work/big.msi" "$work/out.msi"
  once repack "$work/msikit" repack "$work/big.msi" -o "$work/out.msi"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
maxrss() { awk '$2>m {m=$2} END {printf "%.1f", m/1024}'; }
cp_wall=$(cut -d' ' -f1 "$work/cp.txt" | median)
cps_wall=$(cut -d' ' -f1 "$work/cpsync.txt" | median)
rp_wall=$(cut -d' ' -f1 "$work/repack.txt" | median)

echo "input: $size bytes (sample.msi + $MIB MiB cabinet stream); median of $RUNS interleaved runs"
printf '%-8s wall %6.2fs  peak RSS %6s MiB\n' cp "$cp_wall" "$(maxrss <"$work/cp.txt")"
printf '%-8s wall %6.2fs  peak RSS %6s MiB\n' cp+sync "$cps_wall" "$(maxrss <"$work/cpsync.txt")"
printf '%-8s wall %6.2fs  peak RSS %6s MiB\n' repack "$rp_wall" "$(maxrss <"$work/repack.txt")"
awk -v r="$rp_wall" -v c="$cp_wall" -v s="$cps_wall" 'BEGIN {
  printf "repack/cp: %.2fx (target <= 1.5x); repack/(cp+sync): %.2fx\n", r/c, r/s }'
echo "all runs (wall s, peak RSS KiB):"
for n in cp cpsync repack; do printf '  %-7s %s\n' "$n" "$(tr '\n' ' ' <"$work/$n.txt")"; done
