package classreg

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
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
