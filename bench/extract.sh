#!/usr/bin/env bash
# Compares "msikit extract" of two builds (or msikit and msiextract) on the
# same packages: a generated package of 30,000 files in 300 folders (one
# MSZIP cabinet, bench/extractgen), one of 2,000 files of 100 KiB in a
# cabinet of 8 folders (which --jobs decodes at once) and the five largest
# corpus packages.
#
#   OLD=/path/to/old/msikit NEW=/path/to/new/msikit bash bench/extract.sh [PKG...]
#   OLD=msikit OLDARGS="--jobs 1" bash bench/extract.sh   # one folder at a time vs the default
#
# NEW defaults to a build of this tree; OLD may be "msiextract", or
# "msikit" for the same build (OLDARGS and NEWARGS add flags). Runs are
# interleaved (RUNS each, default 7); the figures are medians of wall time,
# CPU time (user+sys, which a busy machine disturbs less), peak RSS and the
# number of files written.
# Output goes to /dev/shm when available, so the disk is not measured.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/extractbench.XXXXXX")
out=/dev/shm; [ -d "$out" ] && [ -w "$out" ] || out=$tmp
outdir=$(mktemp -d "$out/extractbench-out.XXXXXX")
trap 'rm -rf "$tmp" "$outdir"' EXIT
if [ -z "${NEW:-}" ]; then
  NEW=$tmp/msikit
  CGO_ENABLED=0 go build -o "$NEW" ./cmd/msikit
fi
pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
  go run ./bench/extractgen -o "$out/extractbench-many.msi" -files 30000 -dirs 300 -kib 2
  go run ./bench/extractgen -o "$out/extractbench-folders.msi" -files 2000 -dirs 20 -kib 100 -folders 8
  pkgs=("$out/extractbench-many.msi" "$out/extractbench-folders.msi")
  corpus=${MSIKIT_CORPUS:-../shared/corpus}
  if [ -d "$corpus" ]; then
    while read -r p; do pkgs+=("$p"); done < <(ls -S "$corpus"/real/*.msi | head -5)
  fi
  trap 'rm -rf "$tmp" "$outdir" "$out/extractbench-many.msi" "$out/extractbench-folders.msi"' EXIT
fi

[ "${OLD:-}" = msikit ] && OLD=$NEW
# one BIN PKG [ARGS...]: prints "wall cpu rssKB"
one() {
  rm -rf "$outdir"/x; mkdir -p "$outdir"/x
  if [ "$1" = msiextract ]; then
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" msiextract -C "$outdir/x" "$2" >/dev/null 2>&1 || true
  else
    # shellcheck disable=SC2086 # ARGS are words
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" "$1" extract "$2" -d "$outdir/x" ${3:-} >/dev/null 2>&1 || true
  fi
  files=$(find "$outdir/x" -type f | wc -l)
  tail -1 "$tmp/t" | awk -v f="$files" '{printf "%s %.2f %s %d\n", $1, $2+$3, $4, f}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf "%-40s %-6s %8s %8s %9s %7s\n" package build wall cpu "rss MB" files
for p in "${pkgs[@]}"; do
  : > "$tmp/new"; : > "$tmp/old"
  for i in $(seq "$RUNS"); do
    one "$NEW" "$p" "${NEWARGS:-}" >> "$tmp/new"
    [ -n "${OLD:-}" ] && one "$OLD" "$p" "${OLDARGS:-}" >> "$tmp/old"
  done
  for b in old new; do
    [ -s "$tmp/$b" ] || continue
    printf "%-40s %-6s %7ss %7ss %9s %7s\n" "$(basename "$p")" "$b" \
      "$(cut -d' ' -f1 "$tmp/$b" | median)" "$(cut -d' ' -f2 "$tmp/$b" | median)" \
      "$(( $(cut -d' ' -f3 "$tmp/$b" | median) / 1024 ))" "$(cut -d' ' -f4 "$tmp/$b" | median)"
  done
done
