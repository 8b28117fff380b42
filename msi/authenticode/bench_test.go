package authenticode

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// bigPackage returns a package of the sample plus a pseudo-random stream
// of $MSIKIT_BENCH_MIB MiB (default 420, as bench/bigmsi makes), cached in
// the temp folder between runs.
func bigPackage(b *testing.B) (string, int64) {
	b.Helper()
	mib := 420
	if s := os.Getenv("MSIKIT_BENCH_MIB"); s != "" {
		mib, _ = strconv.Atoi(s)
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("msikit-authenticode-bench-%d.msi", mib))
	if fi, err := os.Stat(path); err == nil {
		return path, fi.Size()
	}
	data, err := os.CreateTemp("", "bench-*.bin")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(data.Name())
	defer data.Close()
	size := int64(mib) << 20
	if _, err := io.CopyN(data, rand.NewChaCha8([32]byte{1}), size); err != nil {
		b.Fatal(err)
	}
	db, err := msi.Open(samplePkg)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.SetStream("big.cab", data, size); err != nil {
		b.Fatal(err)
	}
	if err := db.Save(path, nil); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(path)
	return path, fi.Size()
}

// BenchmarkDigest hashes every stream of a large package (SHA-256, with
// the metadata pre-hash): the work of both Verify and Sign.
func BenchmarkDigest(b *testing.B) {
	path, size := bigPackage(b)
	rc, err := cfb.OpenReader(path)
	if err != nil {
		b.Fatal(err)
	}
	defer rc.Close()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Digest(rc.Reader, crypto.SHA256, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSign signs a large package into a file (SHA-256, with
// \x05MsiDigitalSignatureEx): digest, signature, and the copy.
func BenchmarkSign(b *testing.B) {
	path, size := bigPackage(b)
	pki := testenv.NewPKI(b, "rsa", time.Time{}, time.Time{})
	opts := &SignOptions{Signer: pki.LeafKey, Certificates: []*x509.Certificate{pki.Leaf, pki.Root}, Extended: true}
	out := filepath.Join(b.TempDir(), "signed.msi")
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if err := SignFile(context.Background(), out, path, false, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify verifies a large signed package (without the chain).
func BenchmarkVerify(b *testing.B) {
	path, size := bigPackage(b)
	pki := testenv.NewPKI(b, "rsa", time.Time{}, time.Time{})
	signed := filepath.Join(b.TempDir(), "signed.msi")
	opts := &SignOptions{Signer: pki.LeafKey, Certificates: []*x509.Certificate{pki.Leaf, pki.Root}, Extended: true}
	if err := SignFile(context.Background(), signed, path, false, opts); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyFile(signed, &VerifyOptions{NoChain: true}); err != nil {
			b.Fatal(err)
		}
	}
}
