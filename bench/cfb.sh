#!/usr/bin/env bash
# Compares `msikit cfb repack` with `cp` on a large compound file (400 MiB
# of big streams plus 2,000 small streams, made by bench/cfbgen): wall time
# and peak RSS from /usr/bin/time -v, best of RUNS runs each, page cache warm.
# The issue's targets: repack wall time <= 1.5x cp, peak RSS <= 64 MiB.
#
#   bash bench/cfb.sh            # uses $TMPDIR (or /tmp)
#   RUNS=5 MIB=400 bash bench/cfb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
MIB=${MIB:-400}
SMALL=${SMALL:-2000}
work=$(mktemp -d "${TMPDIR:-/tmp}/msikit-cfb-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

go build -o "$work/msikit" ./cmd/msikit
go run ./bench/cfbgen -o "$work/large.cfb" -mib "$MIB" -small "$SMALL"
cat "$work/large.cfb" >/dev/null # warm the page cache
size=$(stat -c %s "$work/large.cfb")

# measure NAME CMD... -> prints "NAME wall_seconds max_rss_kib" (best run)
measure() {
  local name=$1; shift
  local best_wall="" best_rss=""
  for _ in $(seq "$RUNS"); do
    rm -f "$work/out.cfb"
    /usr/bin/time -v "$@" 2>"$work/time.txt" >/dev/null
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    if [ -z "$best_wall" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN{exit !(a<b)}'; then best_wall=$wall; fi
    if [ -z "$best_rss" ] || [ "$rss" -gt "$best_rss" ]; then best_rss=$rss; fi
  done
  echo "$name $best_wall $best_rss"
}

echo "input: $size bytes ($MIB MiB big streams + $SMALL small streams), best of $RUNS runs"
cp_line=$(measure cp cp "$work/large.cfb" "$work/out.cfb")
# repack writes atomically (temp file + fsync + rename); cp does not sync.
cps_line=$(measure cp+sync sh -c 'cp "$1" "$2" && sync "$2"' sh "$work/large.cfb" "$work/out.cfb")
rp_line=$(measure repack "$work/msikit" cfb repack "$work/large.cfb" -o "$work/out.cfb")
cmp -s "$work/large.cfb" "$work/out.cfb" && same="byte-identical to the input" || same="differs from the input (expected for files not written by msikit)"
read -r _ cp_wall cp_rss <<<"$cp_line"
read -r _ rp_wall rp_rss <<<"$rp_line"
read -r _ cps_wall cps_rss <<<"$cps_line"
printf '%-8s wall %6.2fs  peak RSS %7.1f MiB\n' cp "$cp_wall" "$(echo "$cp_rss/1024" | bc -l)"
printf '%-8s wall %6.2fs  peak RSS %7.1f MiB\n' cp+sync "$cps_wall" "$(echo "$cps_rss/1024" | bc -l)"
printf '%-8s wall %6.2fs  peak RSS %7.1f MiB  (%s)\n' repack "$rp_wall" "$(echo "$rp_rss/1024" | bc -l)" "$same"
ratio=$(echo "$rp_wall/$cp_wall" | bc -l)
printf 'repack/cp wall time: %.2fx (target <= 1.5x); repack/(cp+sync): %.2fx; repack peak RSS %.1f MiB (target <= 64 MiB)\n' \
  "$ratio" "$(echo "$rp_wall/$cps_wall" | bc -l)" "$(echo "$rp_rss/1024" | bc -l)"
