package msi

import (
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// TestSignatureStreams checks Signature against the container's own
// entries for every corpus package (decoding and verification are tested
// in package msi/authenticode).
func TestSignatureStreams(t *testing.T) {
	signed := 0
	for _, file := range testenv.CorpusFiles(t) {
		if testenv.IsCorrupt(file) {
			continue
		}
		db, err := Open(file)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		sig, err := db.Signature()
		if err != nil {
			t.Fatal(err)
		}
		rc := db.cf
		s, x := rc.Lookup(DigitalSignatureStream), rc.Lookup(DigitalSignatureExStream)
		if sig.Signed != (s != nil) || sig.Extended != (x != nil) {
			t.Errorf("%s: Signed, Extended = %v, %v; the container has %v, %v", file, sig.Signed, sig.Extended, s != nil, x != nil)
		}
		if s != nil && sig.Size != s.Size || x != nil && sig.ExtendedSize != x.Size {
			t.Errorf("%s: sizes %d, %d differ from the container's", file, sig.Size, sig.ExtendedSize)
		}
		if sig.Signed {
			signed++
		}
		db.Close()
	}
	if signed == 0 {
		t.Error("no signed package in the corpus")
	}
}
