# Shared by bench/cfb.sh and bench/msi-repack.sh: times `cp`, an msikit
# repack command, `cp` + `sync` and the repack command with --sync on the
# same input, interleaved, and prints medians, peak RSS and the ratios the
# issues ask for (repack against cp; the durable pair against each other).
#
#   source bench/repack-lib.sh
#   repack_compare WORKDIR INPUT RUNS LABEL msikit-repack-args...
# The repack command's output path must be WORKDIR/out.

# once NAME CMD... appends "wall rss" to $work/NAME.txt
once() {
  local name=$1; shift
  rm -f "$work/out"
  /usr/bin/time -v "$@" 2>"$work/time.txt" >/dev/null
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; w=s}
              /Maximum resident set size/ {r=$2} END {print w, r}' "$work/time.txt" >>"$work/$name.txt"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
maxrss() { awk '$2>m {m=$2} END {printf "%.1f", m/1024}'; }

repack_compare() {
  work=$1; local in=$2 runs=$3 label=$4; shift 4
  cat "$in" >/dev/null # warm the page cache
  local size; size=$(stat -c %s "$in")
  rm -f "$work"/cp.txt "$work"/cpsync.txt "$work"/repack.txt "$work"/repacksync.txt
  for _ in $(seq "$runs"); do
    once cp cp "$in" "$work/out"
    once repack "$@"
    once cpsync sh -c 'cp "$1" "$2" && sync "$2"' sh "$in" "$work/out"
    once repacksync "$@" --sync
  done
  local same="differs from the input"
  cmp -s "$in" "$work/out" && same="byte-identical to the input"
  local cp_wall cps_wall rp_wall rps_wall
  cp_wall=$(cut -d' ' -f1 "$work/cp.txt" | median)
  cps_wall=$(cut -d' ' -f1 "$work/cpsync.txt" | median)
  rp_wall=$(cut -d' ' -f1 "$work/repack.txt" | median)
  rps_wall=$(cut -d' ' -f1 "$work/repacksync.txt" | median)
  echo "input: $size bytes ($label); median of $runs interleaved runs"
  printf '%-14s wall %6.2fs  peak RSS %6s MiB\n' cp "$cp_wall" "$(maxrss <"$work/cp.txt")"
  printf '%-14s wall %6.2fs  peak RSS %6s MiB  (%s)\n' repack "$rp_wall" "$(maxrss <"$work/repack.txt")" "$same"
  printf '%-14s wall %6.2fs  peak RSS %6s MiB\n' cp+sync "$cps_wall" "$(maxrss <"$work/cpsync.txt")"
  printf '%-14s wall %6.2fs  peak RSS %6s MiB\n' "repack --sync" "$rps_wall" "$(maxrss <"$work/repacksync.txt")"
  awk -v r="$rp_wall" -v c="$cp_wall" -v s="$cps_wall" -v rs="$rps_wall" 'BEGIN {
    printf "repack/cp: %.2fx (target <= 1.5x); (repack --sync)/(cp+sync): %.2fx\n", r/c, rs/s }'
  echo "all runs (wall s, peak RSS KiB):"
  for n in cp repack cpsync repacksync; do printf '  %-10s %s\n' "$n" "$(tr '\n' ' ' <"$work/$n.txt")"; done
}
