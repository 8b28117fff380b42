#!/usr/bin/env bash
# Many-streams series (issue 23 #3, #4): for N = 1,000, 10,000 and 100,000
# binary cells of 1 KiB (bench/streamsgen),
#   msikit export DB Binary -d DIR    (DIR new, in /dev/shm when there is one)
#   msikit streams DB                 (open and list every stream)
# each run RUNS times (interleaved); prints median wall and CPU time (user +
# system, from /usr/bin/time), peak RSS, CPU and RSS per stream, and the
# RSS each stream adds over the previous size of the series (the
# process's fixed ~10 MB left out): flat columns mean linear cost. Then the in-process pair the goal is stated on:
# BenchmarkReadStreams (open and read every cell) against
# BenchmarkExportIDTDirStreams (open and export -d), with their ratio;
# last, what creating the files costs the kernel alone (bench/createfloor).
#
#   bash bench/streams.sh                       # RUNS=3, a build of this tree
#   MSIKIT=/path/to/msikit bash bench/streams.sh # another build (the
#                                                # in-process pair is this tree's)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/msikit-streams.XXXXXX")
out=/dev/shm; [ -d "$out" ] && [ -w "$out" ] || out=$work
outdir=$(mktemp -d "$out/msikit-streams-out.XXXXXX")
trap 'rm -rf "$work" "$outdir"' EXIT
if [ -n "${MSIKIT:-}" ]; then
  cp "$MSIKIT" "$work/msikit" # measure another build (e.g. main's)
else
  CGO_ENABLED=0 go build -o "$work/msikit" ./cmd/msikit
fi

# run LABEL N CMD...: append "wall cpu rss" of one run to $work/LABEL.N
run() {
  local label=$1 n=$2; shift 2
  /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$@" >/dev/null
  awk '{printf "%.3f %.3f %d\n", $1, $2 + $3, $4}' "$work/t" >>"$work/$label.$n"
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

sizes=(1000 10000 100000)
for n in "${sizes[@]}"; do
  go run ./bench/streamsgen -o "$work/db$n.msi" -n "$n"
done
for i in $(seq "$RUNS"); do
  for n in "${sizes[@]}"; do
    run export "$n" "$work/msikit" export "$work/db$n.msi" Binary -d "$outdir/x"
    rm -rf "$outdir/x"
    run streams "$n" "$work/msikit" streams "$work/db$n.msi"
  done
done
printf '| job | streams | wall s | CPU s | peak RSS MB | CPU µs/stream | RSS KB/stream | added RSS KB/stream |\n|---|---:|---:|---:|---:|---:|---:|---:|\n'
for job in export streams; do
  pn=0 pr=0
  for n in "${sizes[@]}"; do
    wall=$(awk '{print $1}' "$work/$job.$n" | median)
    cpu=$(awk '{print $2}' "$work/$job.$n" | median)
    rss=$(awk '{print $3}' "$work/$job.$n" | median)
    awk -v j="$job" -v n="$n" -v w="$wall" -v c="$cpu" -v r="$rss" -v pn="$pn" -v pr="$pr" \
      'BEGIN{d = pn ? sprintf("%.2f", (r-pr)/(n-pn)) : "";
        printf "| %s | %d | %.2f | %.2f | %.0f | %.2f | %.2f | %s |\n", j, n, w, c, r/1024, c*1e6/n, r/n, d}'
    pn=$n pr=$rss
  done
done
echo
MSIKIT_BENCH_DIR=$outdir go test ./msi/idt -run '^$' -bench 'ReadStreams|ExportIDTDirStreams' -benchtime 3x -count "$RUNS" |
  awk '/^Benchmark/ {
      split($1, a, "[/=-]"); name = a[1]; n = a[3]
      for (i = 2; i <= NF; i++) { if ($(i+1) == "ns/op") wall = $i; if ($(i+1) == "cpu-ms/op") cpu = $i }
      k = name SUBSEP n; W[k] = W[k] " " wall; C[k] = C[k] " " cpu; N[n] = 1
    }
    function med(s,   x, m, i, j, t) { m = split(s, x, " "); for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (x[j] + 0 < x[i] + 0) { t = x[i]; x[i] = x[j]; x[j] = t }; return x[int((m + 1) / 2)] }
    END {
      print "| streams | read wall ms | export -d wall ms | ratio | read CPU ms | export -d CPU ms | ratio |"
      print "|---:|---:|---:|---:|---:|---:|---:|"
      for (n in N) {
        rw = med(W["BenchmarkReadStreams" SUBSEP n]) / 1e6; ew = med(W["BenchmarkExportIDTDirStreams" SUBSEP n]) / 1e6
        rc = med(C["BenchmarkReadStreams" SUBSEP n]); ec = med(C["BenchmarkExportIDTDirStreams" SUBSEP n])
        printf "| %d | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f |\n", n, rw, ew, ew / rw, rc, ec, ec / rc
      }
    }' | sort -t'|' -k2 -n
echo
# The floor: the kernel creating 100,000 files of 1 KiB in one new folder
# and nothing else (bench/createfloor), on one goroutine and on one per CPU.
go build -o "$work/createfloor" ./bench/createfloor
for j in 1 "$(nproc)"; do
  for i in $(seq "$RUNS"); do
    "$work/createfloor" -dir "$outdir/floor" -n 100000 -size 1024 -jobs "$j"
  done
done
