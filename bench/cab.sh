#!/usr/bin/env bash
# Compares cab decoding throughput with gcab -x on the same cabinets: the
# largest MSZIP and LZX cabinets embedded in the shared corpus (or the
# cabinet files given as arguments).
#
#   bash bench/cab.sh [FILE.cab...]
#
# gcab's figure includes process start-up and writing the files (to
# /dev/shm when available); ours is BenchmarkCabFile (decode every file,
# discard the bytes). Both are MB/s of uncompressed output.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v gcab >/dev/null || { echo "gcab not installed (apt-get install gcab)"; exit 1; }
PY=/usr/bin/python3
RUNS=${RUNS:-10}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cabbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
out=/dev/shm; [ -d "$out" ] && [ -w "$out" ] || out=$tmp
outdir=$(mktemp -d "$out/cabbench-out.XXXXXX")
trap 'rm -rf "$tmp" "$outdir"' EXIT

cabs=("$@")
if [ ${#cabs[@]} -eq 0 ]; then
  corpus=${MSIKIT_CORPUS:-../shared/corpus}
  [ -d "$corpus" ] || { echo "no corpus at $corpus; pass cabinet files"; exit 1; }
  # Dump every embedded cabinet, then keep the largest of each method.
  "$PY" - "$tmp" "$corpus"/real/* "$corpus"/synthetic/* <<'PYEOF'
import olefile, sys, os, struct
out = sys.argv[1]
best = {}
for path in sys.argv[2:]:
    try:
        ole = olefile.OleFileIO(path)
    except Exception:
        continue
    for entry in ole.listdir(streams=True, storages=False):
        data = ole.openstream(entry).read()
        if data[:4] != b'MSCF' or len(data) < 44:
            continue
        flags = struct.unpack_from('<H', data, 30)[0]
        if flags & 3:       # part of a cabinet set: gcab cannot read it alone
            continue
        off = 36
        if flags & 4:
            off += 4 + struct.unpack_from('<H', data, 36)[0]
        method = struct.unpack_from('<H', data, off + 6)[0] & 0xf
        name = {1: 'MSZIP', 3: 'LZX'}.get(method)
        if name and (name not in best or len(data) > len(best[name][1])):
            best[name] = (os.path.basename(path), data)
for name, (src, data) in best.items():
    open(os.path.join(out, name + '.cab'), 'wb').write(data)
    print(f"{name}: {src} ({len(data)} bytes)", file=sys.stderr)
PYEOF
  cabs=("$tmp"/*.cab)
fi

# The machine may be busy: each figure is the best of ROUNDS rounds, the
# two tools alternating.
ROUNDS=${ROUNDS:-3}
best() { awk 'BEGIN{m=0} {if ($1+0 > m) m=$1+0} END{printf "%.1f", m}'; }
printf '%-12s %12s %14s %14s\n' cabinet bytes-out "gcab MB/s" "msikit MB/s"
for cab in "${cabs[@]}"; do
  rm -rf "${outdir:?}"/*
  gcab -x -n -C "$outdir" "$cab"
  bytes=$(du -sb "$outdir" | cut -f1)
  g=(); m=()
  for _ in $(seq "$ROUNDS"); do
    start=$(date +%s.%N)
    for _ in $(seq "$RUNS"); do gcab -x -n -C "$outdir" "$cab"; done
    end=$(date +%s.%N)
    g+=("$(awk -v b="$bytes" -v r="$RUNS" -v s="$start" -v e="$end" 'BEGIN{printf "%.1f", b*r/(e-s)/1e6}')")
    m+=("$(MSIKIT_BENCH_CAB="$cab" go test ./cab -run '^$' -bench '^BenchmarkCabFile$' -benchtime 1s -count 1 |
      awk '/^BenchmarkCabFile/{for(i=1;i<=NF;i++) if($(i)=="MB/s") print $(i-1)}')")
  done
  printf '%-12s %12s %14s %14s\n' "$(basename "$cab")" "$bytes" \
    "$(printf '%s\n' "${g[@]}" | best)" "$(printf '%s\n' "${m[@]}" | best)"
done
