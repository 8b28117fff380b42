#!/usr/bin/env bash
# import of many distinct binary-cell files (SECURITY.md, hostile review
# 3): bench/cellsgen writes Binary.idt naming N one-byte files (N=250,000:
# a 3.4 MB IDT file), then
#   msikit import testdata/sample.msi DIR/Binary.idt -o OUT.msi
# runs RUNS times for each build given, interleaved, the output removed
# before each run (an existing OUT counts towards the soft memory limit,
# which is computed from the files named on the command line). Prints the
# median and range of wall time, CPU time (user + system) and peak RSS,
# and checks that every build wrote the same bytes.
#
#   bash bench/import-cells.sh                         # this tree's build
#   RUNS=7 bash bench/import-cells.sh /tmp/old-msikit  # old, then this tree's
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
N=${N:-250000}
work=$(mktemp -d "${TMPDIR:-/tmp}/msikit-import-cells.XXXXXX")
trap 'rm -rf "$work"' EXIT
builds=() names=()
i=0
for b in "$@"; do
  cp "$b" "$work/msikit$i"
  builds+=("$work/msikit$i") names+=("$b")
  i=$((i + 1))
done
CGO_ENABLED=0 go build -o "$work/msikit$i" ./cmd/msikit
builds+=("$work/msikit$i") names+=("this tree")
go run ./bench/cellsgen -dir "$work/cells" -n "$N"
for r in $(seq "$RUNS"); do
  for b in "${builds[@]}"; do
    out="$work/out-$(basename "$b").msi"
    rm -f "$out"
    /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$b" import testdata/sample.msi "$work/cells/Binary.idt" -o "$out" 2>/dev/null
    awk '{printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024}' "$work/t" >>"$work/$(basename "$b").times"
  done
done
stat() { # column: median [min-max]
  sort -n | awk '{a[NR]=$1} END{printf "%s [%s-%s]", a[int((NR+1)/2)], a[1], a[NR]}'
}
printf '| build | wall s | CPU s | peak RSS MiB |\n|---|---|---|---|\n'
for i in "${!builds[@]}"; do
  f="$work/$(basename "${builds[$i]}").times"
  printf '| %s | %s | %s | %s |\n' "${names[$i]}" "$(awk '{print $1}' "$f" | stat)" "$(awk '{print $2}' "$f" | stat)" "$(awk '{print $3}' "$f" | stat)"
done
first="$work/out-$(basename "${builds[0]}").msi"
for i in "${!builds[@]}"; do
  [ "$i" = 0 ] && continue
  cmp "$first" "$work/out-$(basename "${builds[$i]}").msi" && echo "output of ${names[$i]} identical to ${names[0]}'s"
done
