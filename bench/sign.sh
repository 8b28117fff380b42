#!/usr/bin/env bash
# Compares `msikit sign` and `msikit verify` with osslsigncode on a large
# installer package: testdata/sample.msi plus a 420 MiB pseudo-random
# cabinet stream (bench/bigmsi). Both sign with the same RSA-2048 key,
# SHA-256 and the MsiDigitalSignatureEx stream; both verify without
# network (osslsigncode -ignore-cdp -ignore-crl; msikit --no-chain, since
# the test certificate is self-signed and osslsigncode is given it as
# -CAfile). Wall time and peak RSS from /usr/bin/time -v, RUNS interleaved
# rounds, page cache warm, medians.
#
#   bash bench/sign.sh              # uses $TMPDIR (or /tmp)
#   RUNS=9 MIB=420 bash bench/sign.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
MIB=${MIB:-420}
work=$(mktemp -d "${TMPDIR:-/tmp}/msikit-sign-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -o "$work/msikit" ./cmd/msikit
go run ./bench/bigmsi -o "$work/big.msi" -mib "$MIB"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
  -days 2 -subj "/CN=msikit bench" -addext extendedKeyUsage=codeSigning >/dev/null 2>&1
"$work/msikit" sign "$work/big.msi" --cert "$work/cert.pem" --key "$work/key.pem" --ex -o "$work/signed.msi" >/dev/null

source bench/repack-lib.sh # once, median, maxrss
cat "$work/big.msi" "$work/signed.msi" >/dev/null # warm the page cache
for n in msign osign mverify overify; do rm -f "$work/$n.txt"; done
for _ in $(seq "$RUNS"); do
  once msign "$work/msikit" sign "$work/big.msi" --cert "$work/cert.pem" --key "$work/key.pem" --ex -o "$work/out"
  once osign sh -c 'rm -f "$1"; osslsigncode sign -certs "$2" -key "$3" -h sha256 -add-msi-dse -in "$4" -out "$1"' sh \
    "$work/out" "$work/cert.pem" "$work/key.pem" "$work/big.msi"
  once mverify "$work/msikit" verify --no-chain "$work/signed.msi"
  once overify osslsigncode verify -ignore-cdp -ignore-crl -CAfile "$work/cert.pem" -in "$work/signed.msi"
done
echo "input: $(stat -c %s "$work/big.msi") bytes (sample.msi + $MIB MiB cabinet stream); median of $RUNS interleaved runs"
for n in msign osign mverify overify; do
  printf '%-8s wall %6.2fs  peak RSS %7s MiB   runs: %s\n' "$n" "$(cut -d' ' -f1 "$work/$n.txt" | median)" \
    "$(maxrss <"$work/$n.txt")" "$(cut -d' ' -f1 "$work/$n.txt" | tr '\n' ' ')"
done
