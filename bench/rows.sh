#!/usr/bin/env bash
# Scaling series for big tables (issue 23 #4): for N = 10,000, 100,000
# and 1,000,000 rows of the File table (../shared/bench/gen_idt.py),
#   msikit import testdata/sample.msi File.idt -o OUT
#   msikit info OUT
#   msikit export OUT File
# each run RUNS times (interleaved); prints the median wall time, CPU time
# (user + system, from /usr/bin/time) and peak RSS, CPU and RSS per row,
# and the RSS each row adds over the previous size of the series (the
# process's fixed ~10 MB left out): flat columns mean linear cost.
#
#   bash bench/rows.sh                       # RUNS=3, a build of this tree
#   MSIKIT=/path/to/msikit bash bench/rows.sh # another build
set -euo pipefail
cd "$(dirname "$0")/.."
GEN=${GEN:-../shared/bench/gen_idt.py}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
RUNS=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/msikit-rows.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -n "${MSIKIT:-}" ]; then
  cp "$MSIKIT" "$work/msikit" # measure another build (e.g. main's)
else
  CGO_ENABLED=0 go build -o "$work/msikit" ./cmd/msikit
fi

# run LABEL N CMD...: append "cpu rss wall" of one run to $work/LABEL.N
run() {
  local label=$1 n=$2; shift 2
  /usr/bin/time -f '%U %S %M %e' -o "$work/t" "$@" >/dev/null 2>&1
  awk '{printf "%.3f %d %.3f\n", $1 + $2, $3, $4}' "$work/t" >>"$work/$label.$n"
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

sizes=(10000 100000 1000000)
for n in "${sizes[@]}"; do
  mkdir -p "$work/idt$n"
  "$PY" "$GEN" "$work/idt$n" "$n" 0 >/dev/null
  "$work/msikit" import testdata/sample.msi "$work/idt$n/File.idt" -o "$work/db$n.msi" >/dev/null 2>&1
done
for i in $(seq "$RUNS"); do
  for n in "${sizes[@]}"; do
    run import "$n" "$work/msikit" import testdata/sample.msi "$work/idt$n/File.idt" -o "$work/out$n.msi"
    run info "$n" "$work/msikit" info "$work/db$n.msi"
    run export "$n" "$work/msikit" export "$work/db$n.msi" File
  done
done
printf '| job | rows | wall s | CPU s | peak RSS MB | CPU µs/row | RSS bytes/row | added RSS bytes/row |\n|---|---:|---:|---:|---:|---:|---:|---:|\n'
for job in import info export; do
  pn=0 pr=0
  for n in "${sizes[@]}"; do
    cpu=$(awk '{print $1}' "$work/$job.$n" | median)
    rss=$(awk '{print $2}' "$work/$job.$n" | median)
    wall=$(awk '{print $3}' "$work/$job.$n" | median)
    awk -v j="$job" -v n="$n" -v c="$cpu" -v r="$rss" -v w="$wall" -v pn="$pn" -v pr="$pr" \
      'BEGIN{d = pn ? sprintf("%.0f", (r-pr)*1024/(n-pn)) : "";
        printf "| %s | %d | %.2f | %.2f | %.0f | %.2f | %.0f | %s |\n", j, n, w, c, r/1024, c*1e6/n, r*1024/n, d}'
    pn=$n pr=$rss
  done
done
echo "(medians of $RUNS runs)"
