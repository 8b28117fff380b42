#!/usr/bin/env bash
# Compares cab decoding throughput with gcab -x on the same cabinets: the
# largest MSZIP and LZX cabinets embedded in the shared corpus (or the
# cabinet files given as arguments).
#
#   bash bench/cab.sh [FILE.cab...]
#
# Both tools run as separate processes that extract every file into a
# folder (/dev/shm when available); the figures are MB/s of uncompressed
# output per CPU second (user+sys), which a busy machine disturbs much less
# than wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v gcab >/dev/null || { echo "gcab not installed (apt-get install gcab)"; exit 1; }
PY=/usr/bin/python3
RUNS=${RUNS:-30}
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

# CPU time (user+sys) of RUNS extractions to a folder, both as separate
# processes (gcab -x, and the cab test binary's TestExtractForBench): CPU
# time is robust against a busy machine, unlike wall time.
go test -c -o "$tmp/cab.test" ./cab
cpu() { /usr/bin/time -f '%U %S' -o "$tmp/time" "$@" >/dev/null 2>&1; awk '{print $1+$2}' "$tmp/time"; }
printf '%-12s %12s %14s %14s %10s\n' cabinet bytes-out "gcab MB/s" "msikit MB/s" ratio
for cab in "${cabs[@]}"; do
  rm -rf "${outdir:?}"/*
  gcab -x -n -C "$outdir" "$cab"
  bytes=$(du -sb "$outdir" | cut -f1)
  g=$(cpu bash -c "for i in \$(seq $RUNS); do gcab -x -n -C '$outdir' '$cab'; done")
  m=$(cpu env MSIKIT_BENCH_EXTRACT="$cab" MSIKIT_BENCH_OUT="$outdir" bash -c \
    "for i in \$(seq $RUNS); do '$tmp/cab.test' -test.run '^TestExtractForBench\$' || exit 1; done")
  awk -v n="$(basename "$cab")" -v b="$bytes" -v r="$RUNS" -v g="$g" -v m="$m" \
    'BEGIN{gm=b*r/g/1e6; mm=b*r/m/1e6; printf "%-12s %12d %14.1f %14.1f %9.2fx\n", n, b, gm, mm, mm/gm}'
done
