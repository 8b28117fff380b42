package classreg

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// registryID is "reg" and the first 32 upper-case hex digits of SHA-256
// over the root, the key and the name folded to lower case, and the
// component, separated by NULs: for short texts (hashed from a buffer on
// the stack), long ones (streamed) and non-ASCII ones (whose lower case
// may differ in length).
func TestRegistryID(t *testing.T) {
	long := strings.Repeat("AbC", 300)
	for _, tc := range []struct {
		root                 int16
		key, name, component string
	}{
		{0, `CLSID\{FDA36073-66C4-5C98-5F70-99959F7B05AA}`, "", "ComServer"},
		{-1, `Software\Vendor`, "Name", "Comp"},
		{2, `ÄÖÜ\Ⱥ`, "ȾName", "Cömp"},
		{0, `CLSID\` + long, "", "C"},
		{0, "k", long, long},
		{0, strings.Repeat("x", chunk-2), "N", "C"},
	} {
		text := strconv.Itoa(int(tc.root)) + "\x00" + strings.ToLower(tc.key) + "\x00" + strings.ToLower(tc.name) + "\x00" + tc.component
		sum := sha256.Sum256([]byte(text))
		want := "reg" + strings.ToUpper(hex.EncodeToString(sum[:])[:32])
		if got := registryID(tc.root, tc.key, tc.name, tc.component); got != want {
			t.Errorf("registryID(%d, %.20q, %.20q, %.20q) = %s, want %s", tc.root, tc.key, tc.name, tc.component, got, want)
		}
	}
}

// TestRegistryIDOfLongFields: a key, name or component of longField
// bytes or more is hashed through the hex of its own SHA-256 (the key's
// and name's folded), in a text starting "L" with a letter for each
// field saying which are so given, the same whether or not the digests
// are remembered.
func TestRegistryIDOfLongFields(t *testing.T) {
	long := strings.Repeat("AbC", longField/3+1)
	sum := func(s string) string {
		d := sha256.Sum256([]byte(s))
		return hex.EncodeToString(d[:])
	}
	for _, tc := range []struct {
		root                 int16
		key, name, component string
		text                 string
	}{
		{0, "Key", "", long, "L0\x00ttd\x00key\x00\x00" + sum(long)},
		{-1, `CLSID\` + long, "N", "C", "L-1\x00dtt\x00" + sum(strings.ToLower(`CLSID\`+long)) + "\x00n\x00C"},
		{2, long, long, long, "L2\x00ddd\x00" + sum(strings.ToLower(long)) + "\x00" + sum(strings.ToLower(long)) + "\x00" + sum(long)},
		{0, "K", strings.Repeat("n", longField-1), "C", "0\x00k\x00" + strings.Repeat("n", longField-1) + "\x00C"},
	} {
		d := sha256.Sum256([]byte(tc.text))
		want := "reg" + strings.ToUpper(hex.EncodeToString(d[:])[:32])
		if got := registryID(tc.root, tc.key, tc.name, tc.component); got != want {
			t.Errorf("registryID(%d, %.20q, %.20q, %.20q) = %s, want %s", tc.root, tc.key, tc.name, tc.component, got, want)
		}
		var m longDigests
		for range 2 {
			got := registryDigest(tc.root, tc.key, tc.name, tc.component, &m)
			if diff := cmp.Diff(want[3:], strings.ToUpper(hex.EncodeToString(got[:]))); diff != "" {
				t.Errorf("registryDigest with remembered digests (-want +got):\n%s", diff)
			}
		}
	}
}

// BenchmarkRegistryID is the identifier of one generated Registry row,
// made for each row the pass adds.
func BenchmarkRegistryID(b *testing.B) {
	key := `CLSID\{FDA36073-66C4-5C98-5F70-99959F7B05AA}\InprocServer32`
	b.SetBytes(int64(len(key)))
	b.ReportAllocs()
	for b.Loop() {
		registryID(0, key, "", "ComServer")
	}
}
