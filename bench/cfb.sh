#!/usr/bin/env bash
# Compares `msikit cfb repack` with `cp` on a large compound file (400 MiB
# of big streams plus 2,000 small streams, made by bench/cfbgen): wall time
# and peak RSS from /usr/bin/time -v. The three commands run interleaved,
# RUNS rounds, page cache warm, and the median wall time of each is
# reported (robust on a shared machine). repack writes atomically (temp
# file, fsync, rename), so `cp` followed by `sync FILE` is shown as well.
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

go build -o "$work/msikit" ./cmd/msikit
go run ./bench/cfbgen -o "$work/large.cfb" -mib "$MIB" -small "$SMALL"
cat "$work/large.cfb" >/dev/null # warm the page cache
size=$(stat -c %s "$work/large.cfb")

# once NAME CMD... appends "wall rss" to $work/NAME.txt
once() {
  local name=$1; shift
  rm -f "$work/out.cfb"
  /usr/bin/time -v "$@" 2>"$work/time.txt" >/dev/null
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; w=s}
              /Maximum resident set size/ {r=$2} END {print w, r}' "$work/time.txt" >>"$work/$name.txt"
}
for _ in $(seq "$RUNS"); do
  once cp cp "$work/large.cfb" "$work/out.cfb"
  once cpsync sh -c 'cp "$1" "$2" && sync "$2"' sh "$work/large.cfb" "$work/out.cfb"
  once repack "$work/msikit" cfb repack "$work/large.cfb" -o "$work/out.cfb"
done
cmp -s "$work/large.cfb" "$work/out.cfb" && same="byte-identical to the input" || same="differs from the input"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
maxrss() { awk '$2>m {m=$2} END {printf "%.1f", m/1024}'; }
cp_wall=$(cut -d' ' -f1 "$work/cp.txt" | median)
cps_wall=$(cut -d' ' -f1 "$work/cpsync.txt" | median)
rp_wall=$(cut -d' ' -f1 "$work/repack.txt" | median)

echo "input: $size bytes ($MIB MiB big streams + $SMALL small streams); median of $RUNS interleaved runs"
printf '%-8s wall %6.2fs  peak RSS %6s MiB\n' cp "$cp_wall" "$(maxrss <"$work/cp.txt")"
printf '%-8s wall %6.2fs  peak RSS %6s MiB\n' cp+sync "$cps_wall" "$(maxrss <"$work/cpsync.txt")"
printf '%-8s wall %6.2fs  peak RSS %6s MiB  (%s)\n' repack "$rp_wall" "$(maxrss <"$work/repack.txt")" "$same"
awk -v r="$rp_wall" -v c="$cp_wall" -v s="$cps_wall" 'BEGIN {
  printf "repack/cp: %.2fx (target <= 1.5x); repack/(cp+sync): %.2fx\n", r/c, r/s }'
echo "all runs (wall s, peak RSS KiB):"
for n in cp cpsync repack; do printf '  %-7s %s\n' "$n" "$(tr '\n' ' ' <"$work/$n.txt")"; done
