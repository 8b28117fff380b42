package authenticode

import (
	"crypto/x509/pkix"
	"strings"

	"github.com/msikit/msikit/internal/clip"
)

// FormatName returns a certificate name as pkix.Name's String method
// does (RFC 2253 syntax), clipped as msikit clips any text from a package
// in a message: a name over 1,024 bytes is cut to its first 120 bytes,
// followed by "…(N bytes)". Its time is linear in the name's size:
// pkix.Name's String appends to a string attribute by attribute, so its
// time is quadratic in the number of attributes (a name of 60,000 empty
// organizational units, 540 KB of a certificate, took 2.4 s; one of
// 440,000, filling the signature stream, minutes).
//
// Every name in Verify's problems goes through it; programs printing the
// names of a Signature's certificates should use it too.
func FormatName(n pkix.Name) string {
	rdns := n.ToRDNSequence()
	var b strings.Builder
	for i := len(rdns) - 1; i >= 0; i-- {
		for j, atv := range rdns[i] {
			switch {
			case j > 0:
				b.WriteByte('+')
			case i < len(rdns)-1:
				b.WriteByte(',')
			}
			// One attribute as pkix formats it (escaping, #hex for
			// unknown types), its cost its own size.
			b.WriteString(pkix.RDNSequence{{atv}}.String())
		}
	}
	return clip.String(b.String())
}
