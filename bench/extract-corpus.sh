#!/usr/bin/env bash
# msikit extract against msiextract (msitools) on every .msi and .msm of the
# corpus (or the folders and packages given): bench/toolcmp runs both
# tools RUNS times in each of ROUNDS interleaved rounds per package into a
# new folder in /dev/shm and prints a Markdown table of median wall time,
# CPU time and peak RSS with the files each wrote, then a summary.
#
#   bash bench/extract-corpus.sh                 # ../shared/corpus or $MSIKIT_CORPUS
#   RUNS=5 ROUNDS=3 bash bench/extract-corpus.sh DIR|PKG...
#
# msikit is built as the README installs it (CGO_ENABLED=0).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v msiextract >/dev/null || { echo "extract-corpus.sh: needs msiextract (apt-get install msitools)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/extract-corpus.XXXXXX")
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/msikit" ./cmd/msikit
go build -o "$work/toolcmp" ./bench/toolcmp
[ $# -gt 0 ] || set -- "${MSIKIT_CORPUS:-../shared/corpus}"
"$work/toolcmp" -msikit "$work/msikit" -runs "${RUNS:-10}" -rounds "${ROUNDS:-3}" "$@"
