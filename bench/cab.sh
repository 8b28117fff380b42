#!/usr/bin/env bash
# Compares cab decoding with gcab -x (zlib, libmspack-free LZX of its own)
# and, when installed, 7-Zip (7zz x) on the same cabinets: by default
#   - big-lzx.cab: ~210 MB of LZX:21, the corpus's makecab-written LZX:21
#     folders repeated into one cabinet (go run ./bench/cabgen; no Linux
#     tool writes LZX cabinets), and
#   - big-mszip.cab: the same 210 MB of files compressed by gcab -c -z,
# or the cabinet files given as arguments (BIG=0 uses the largest corpus
# cabinets instead).
#
#   bash bench/cab.sh [FILE.cab...]        # RUNS=5 interleaved runs
#   BASE=main bash bench/cab.sh [FILE.cab...]
#
# BASE=REV adds the cab package as of git revision REV ("msikit@REV",
# built from a copy of that tree) to the same interleaved runs: the
# before and after of a change, measured under the same load.
#
# Every tool runs as a separate process that extracts every file into a
# folder (/dev/shm when available); the figures are CPU seconds (user +
# sys; medians and ranges over interleaved runs), which a busy machine
# disturbs much less than wall time, and MB/s of output per CPU second.
# Outputs are checked identical (sha256 of every file) between the tools.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v gcab >/dev/null || { echo "gcab not installed (apt-get install gcab)"; exit 1; }
RUNS=${RUNS:-5}
BIG=${BIG:-1}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cabbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
out=/dev/shm; [ -d "$out" ] && [ -w "$out" ] || out=$tmp
outdir=$(mktemp -d "$out/cabbench-out.XXXXXX")
trap 'rm -rf "$tmp" "$outdir"' EXIT

cabs=("$@")
corpus=${MSIKIT_CORPUS:-../shared/corpus}
if [ ${#cabs[@]} -eq 0 ]; then
  [ -d "$corpus" ] || { echo "no corpus at $corpus; pass cabinet files"; exit 1; }
  BIG=$BIG bash bench/make-cabs.sh "$tmp"
  if [ "$BIG" = 1 ]; then
    cabs=("$tmp/big-lzx.cab" "$tmp/big-mszip.cab")
  else
    cabs=("$tmp"/LZX.cab "$tmp"/MSZIP.cab)
  fi
fi

# CPU time (user+sys) of one extraction to a folder, each tool as its
# own process (msikit: the cab test binary's TestExtractForBench).
go test -c -o "$tmp/cab.test" ./cab
tools=(msikit gcab)
if [ -n "${BASE:-}" ]; then
  mkdir -p "$tmp/base"
  git archive "$BASE" | tar -x -C "$tmp/base"
  (cd "$tmp/base" && go test -c -o "$tmp/base.test" ./cab)
  tools=(msikit "msikit@$BASE" gcab)
fi
command -v 7zz >/dev/null && tools+=(7zz)
extract() { # TOOL CAB: empty the folder, then extract (timed, if $timed)
  rm -rf "${outdir:?}"/*
  [ -z "$timed" ] || times >"$tmp/t0"
  case $1 in
  msikit) env MSIKIT_BENCH_EXTRACT="$2" MSIKIT_BENCH_OUT="$outdir" "$tmp/cab.test" -test.run '^TestExtractForBench$' ;;
  msikit@*) env MSIKIT_BENCH_EXTRACT="$2" MSIKIT_BENCH_OUT="$outdir" "$tmp/base.test" -test.run '^TestExtractForBench$' ;;
  gcab) gcab -x -n -C "$outdir" "$2" ;;
  7zz) 7zz x -y -o"$outdir" "$2" ;;
  esac
  [ -z "$timed" ] || times >"$tmp/t1"
}
timed=
# cpu TOOL CAB prints the CPU seconds (user + system) of the extraction
# alone, to the millisecond: the difference of the shell's children's
# times (bash's times builtin; /usr/bin/time prints hundredths) before
# and after it, with the emptying of the folder left out.
cpu() {
  timed=1 "$@" >/dev/null 2>&1
  awk 'function s(x) { split(x, a, /[ms]/); return a[1]*60 + a[2] }
    FNR == 2 { c = s($1) + s($2); if (FILENAME ~ /t0$/) c0 = c; else c1 = c }
    END { printf "%.3f\n", c1 - c0 }' "$tmp/t0" "$tmp/t1"
}
stats() { sort -n | awk '{a[NR]=$1} END{printf "%.3f (%.3f-%.3f)", a[int((NR+1)/2)], a[1], a[NR]}'; }
for cab in "${cabs[@]}"; do
  extract gcab "$cab" >/dev/null
  bytes=$(du -sb "$outdir" | cut -f1)
  want=$(cd "$outdir" && find . -type f -exec sha256sum {} + | sort -k2 | sha256sum)
  for t in "${tools[@]}"; do
    extract "$t" "$cab" >/dev/null
    got=$(cd "$outdir" && find . -type f -exec sha256sum {} + | sort -k2 | sha256sum)
    [ "$got" = "$want" ] || { echo "$t: output of $(basename "$cab") differs from gcab's"; exit 1; }
    : >"$tmp/${t//\//_}.cpu"
  done
  for i in $(seq "$RUNS"); do
    for t in "${tools[@]}"; do cpu extract "$t" "$cab" >>"$tmp/${t//\//_}.cpu"; done
  done
  echo "$(basename "$cab"): $bytes bytes out, CPU seconds median (range) of $RUNS interleaved runs"
  for t in "${tools[@]}"; do
    m=$(stats <"$tmp/${t//\//_}.cpu")
    awk -v t="$t" -v m="$m" -v b="$bytes" 'BEGIN{split(m, a, " "); printf "  %-12s %-23s %7.0f MB/s\n", t, m, b/a[1]/1e6}'
  done
done
