#!/usr/bin/env bash
# Makes the benchmark cabinets in DIR (used by bench/cab.sh and
# bench/extract-big.sh): LZX.cab and MSZIP.cab, the largest corpus
# cabinet of each method, and unless BIG=0
#   - big-lzx.cab: ~210 MB of LZX:21, the corpus's makecab-written LZX:21
#     folders repeated into one cabinet (go run ./bench/cabgen; no Linux
#     tool writes LZX cabinets), and
#   - big-mszip.cab: the same 210 MB of files compressed by gcab -c -z.
#
#   bash bench/make-cabs.sh DIR
set -euo pipefail
dir=${1:?usage: make-cabs.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cd "$(dirname "$0")/.."
command -v gcab >/dev/null || { echo "gcab not installed (apt-get install gcab)"; exit 1; }
PY=/usr/bin/python3
BIG=${BIG:-1}
corpus=${MSIKIT_CORPUS:-../shared/corpus}
[ -d "$corpus" ] || { echo "no corpus at $corpus"; exit 1; }
# Dump every embedded cabinet not part of a set (gcab cannot read those
# alone), by method.
mkdir -p "$dir/lzx" "$dir/mszip"
"$PY" - "$dir" "$corpus"/real/* "$corpus"/synthetic/* <<'PYEOF'
import olefile, sys, os, struct
out = sys.argv[1]
best = {}
for path in sys.argv[2:]:
    try:
        ole = olefile.OleFileIO(path)
    except Exception:
        continue
    for i, entry in enumerate(ole.listdir(streams=True, storages=False)):
        data = ole.openstream(entry).read()
        if data[:4] != b'MSCF' or len(data) < 44:
            continue
        flags = struct.unpack_from('<H', data, 30)[0]
        if flags & 3:
            continue
        off = 36
        if flags & 4:
            off += 4 + struct.unpack_from('<H', data, 36)[0]
        method = struct.unpack_from('<H', data, off + 6)[0] & 0xf
        name = {1: 'mszip', 3: 'lzx'}.get(method)
        if name:
            open(os.path.join(out, name, '%s_%d.cab' % (os.path.basename(path), i)), 'wb').write(data)
            if name not in best or len(data) > len(best[name][1]):
                best[name] = (os.path.basename(path), data)
for name, (src, data) in best.items():
    open(os.path.join(out, name.upper() + '.cab'), 'wb').write(data)
PYEOF
if [ "$BIG" = 1 ]; then
  files=$(mktemp -d "${TMPDIR:-/tmp}/makecabs.XXXXXX")
  trap 'rm -rf "$files"' EXIT
  go run ./bench/cabgen -o "$dir/big-lzx.cab" -method LZX:21 -mib 200 "$dir"/lzx/*.cab
  gcab -x -n -C "$files" "$dir/big-lzx.cab"
  (cd "$files" && gcab -c -z "$dir/big-mszip.cab" -- *)
fi
