#!/usr/bin/env bash
# msikit extract against msiextract (msitools) on big packages: the two
# cabinets of bench/cab.sh (bench/make-cabs.sh: ~210 MB of LZX:21 and the
# same files as MSZIP) each in a package of its own (bench/bigmsi -cab),
# plus the generated and corpus packages bench/extract.sh uses by default;
# bench/extract.sh runs the comparison (RUNS interleaved runs, medians of
# wall time, CPU time and peak RSS).
#
#   bash bench/extract-big.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v msiextract >/dev/null || { echo "extract-big.sh: needs msiextract (apt-get install msitools)" >&2; exit 1; }
out=/dev/shm; [ -d "$out" ] && [ -w "$out" ] || out=${TMPDIR:-/tmp}
work=$(mktemp -d "$out/extract-big.XXXXXX")
trap 'rm -rf "$work"' EXIT
bash bench/make-cabs.sh "$work/cabs"
for m in lzx mszip; do
  go run ./bench/bigmsi -o "$work/big-$m.msi" -cab "$work/cabs/big-$m.cab"
done
rm -rf "$work/cabs"
go run ./bench/extractgen -o "$work/many.msi" -files 30000 -dirs 300 -kib 2
go run ./bench/extractgen -o "$work/folders.msi" -files 2000 -dirs 20 -kib 100 -folders 8
pkgs=("$work/big-lzx.msi" "$work/big-mszip.msi" "$work/many.msi" "$work/folders.msi")
corpus=${MSIKIT_CORPUS:-../shared/corpus}
if [ -d "$corpus" ]; then
  while read -r p; do pkgs+=("$p"); done < <(ls -S "$corpus"/real/*.msi | head -5)
fi
OLD=msiextract RUNS=${RUNS:-5} bash bench/extract.sh "${pkgs[@]}"
