#!/usr/bin/env bash
# Compares msikit with msitools on a database with N rows (default 100,000)
# each in File, Component, FeatureComponents and Registry (issue 3 #5 and
# issue 4 #7), in CPU time (user + system, from /usr/bin/time), since the
# machine may be shared and wall time is noisy.
#
# The database is testdata/sample.msi plus the IDT files of
# ../shared/bench/gen_idt.py, imported with "msikit import" (msibuild -i
# needs about 15 minutes for the same job). Then:
#   - msiinfo export FILE File            vs  msikit export FILE File,
#                                             msikit export FILE -d DIR (every table),
#                                             and the in-process Go benchmark
#                                             BenchmarkExportAllTables (decode + export all)
#   - msibuild FILE -i Property.idt       vs  msikit import FILE Property.idt -o OUT,
#     (one Property row changed)              and BenchmarkChangePropertyAndWrite
# and checks that both tools' results export identically.
#
#   bash bench/compare.sh            # N=100000, work files in $TMPDIR (or /tmp)
#   N=20000 bash bench/compare.sh    # quicker
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
GEN=${GEN:-../shared/bench/gen_idt.py}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
work=$(mktemp -d "${TMPDIR:-/tmp}/msikit-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT
for t in msiinfo msibuild; do command -v $t >/dev/null || { echo "need $t (apt-get install msitools)"; exit 1; }; done

CGO_ENABLED=0 go build -o "$work/msikit" ./cmd/msikit
"$PY" "$GEN" "$work/idt" "$N" 0 >/dev/null

# cpu LABEL CMD... : run CMD (stdout discarded), print "LABEL cpu_seconds"
cpu() {
  local label=$1; shift
  /usr/bin/time -f '%U %S' -o "$work/time.txt" "$@" >/dev/null
  awk -v l="$label" '{printf "%s %.3f\n", l, $1 + $2}' "$work/time.txt"
}

db="$work/medium.msi"
build=$(cd "$work/idt" && cpu build "$work/msikit" import "$OLDPWD/testdata/sample.msi" \
  File.idt Component.idt FeatureComponents.idt Registry.idt -o "$db")
echo "database: $(stat -c %s "$db") bytes, $N rows each in File, Component, FeatureComponents, Registry"

mkdir -p "$work/cwd" && cd "$work/cwd" # msiinfo export writes binary cells into its working folder
mi_export=$(cpu msiinfo "$(command -v msiinfo)" export "$db" File)
mk_export=$(cpu msikit "$work/msikit" export "$db" File)
mk_all=$(cpu msikit-all "$work/msikit" export "$db" -d "$work/all")
cmp -s <(msiinfo export "$db" File) <("$work/msikit" export "$db" File) && same_export=yes || same_export=NO

"$work/msikit" export "$db" Property >"$work/Property.idt"
printf 'BenchChanged\tyes\r\n' >>"$work/Property.idt"
cp "$db" "$work/msibuild.msi"
mi_import=$(cd "$work" && cpu msibuild msibuild "$work/msibuild.msi" -i Property.idt)
mk_import=$(cpu msikit "$work/msikit" import "$db" "$work/Property.idt" -o "$work/msikit.msi")
same_import=yes
for t in Property File Registry; do
  cmp -s <(msiinfo export "$work/msibuild.msi" $t) <(msiinfo export "$work/msikit.msi" $t) || same_import=NO
done
cd "$OLDPWD"

gobench=$(MSIKIT_BENCH_DB="$db" go test ./msi -run '^$' -bench 'ExportAllTables|ChangePropertyAndWrite' -benchtime 5x 2>/dev/null |
  awk '/^Benchmark/ {for (i=1;i<=NF;i++) if ($(i+1)=="cpu-ms/op") print $1, $i/1000}')
go_all=$(awk '/ExportAllTables/ {print $2}' <<<"$gobench")
go_change=$(awk '/ChangePropertyAndWrite/ {print $2}' <<<"$gobench")

v() { awk '{print $2}' <<<"$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a > 0) printf "1/%.0f", b / a; else print "-" }'; }
echo
echo "| job ($N rows per table) | msitools (CPU s) | msikit (CPU s) | msikit / msitools |"
echo "|---|---:|---:|---:|"
echo "| export File: \`msiinfo export FILE File\` vs \`msikit export FILE File\` | $(v "$mi_export") | $(v "$mk_export") | $(ratio "$(v "$mk_export")" "$(v "$mi_export")") |"
echo "| export every table: \`msikit export FILE -d DIR\` (vs msiinfo for File only) | $(v "$mi_export") | $(v "$mk_all") | $(ratio "$(v "$mk_all")" "$(v "$mi_export")") |"
echo "| decode + export every table, in process (BenchmarkExportAllTables) | $(v "$mi_export") | $go_all | $(ratio "$go_all" "$(v "$mi_export")") |"
echo "| change one Property row and write: \`msibuild -i\` vs \`msikit import -o\` | $(v "$mi_import") | $(v "$mk_import") | $(ratio "$(v "$mk_import")" "$(v "$mi_import")") |"
echo "| change one Property row and write, in process (BenchmarkChangePropertyAndWrite) | $(v "$mi_import") | $go_change | $(ratio "$go_change" "$(v "$mi_import")") |"
echo "| build the database: \`msikit import\` of the 4 IDT files (msibuild: ~15 min) | | $(v "$build") | |"
echo
echo "identical output: export File $same_export; msiinfo export after the Property change $same_import"
