package authenticode

import (
	"encoding/asn1"
	"fmt"
)

// MaxPFXIterations bounds the key-derivation work ParsePFX accepts: the
// iteration counts a PKCS#12 file declares, added up. Real files ask for
// thousands (Windows and OpenSSL export with 2,000-2,048 per derivation;
// a cautious exporter with 600,000); each iteration costs about a quarter
// of a microsecond, so a count of 2^31, which fits in a 100-byte file,
// would keep ParsePFX busy for over ten minutes before it could say the
// password is wrong. 4,000,000 keeps the worst case to a few seconds.
const MaxPFXIterations = 4_000_000

// checkPFXWork returns an *UnsupportedError when the iteration counts
// that pfx declares add up to more than MaxPFXIterations. It sees the
// counts that can be read before decryption: the MAC's, and those of the
// encryption algorithms of the safes and of the shrouded key bags in
// unencrypted safes; and then, when those are within the bound, the
// counts of what the encrypted safes hold, decrypted with password
// (hiddenIterations: a key bag inside an encrypted safe, where Windows
// puts it, asked for 2^31-1 iterations unseen before).
//
// It walks the DER generically: in any SEQUENCE, an INTEGER right after
// an OCTET STRING is a (salt, iterations) pair, the shape of MacData,
// PKCS#12's pbeParams and PBKDF2-params alike; an OCTET STRING whose
// bytes are exactly one DER SEQUENCE (the authenticated safe, a data
// safe's contents) is walked too. Encrypted contents are not OCTET
// STRINGs of that shape, except by a chance of about one in 30,000 per
// blob, and then also need that pair with a huge count.
func checkPFXWork(pfx []byte, password string) error {
	total := pfxIterations(pfx)
	if total <= MaxPFXIterations {
		hiddenIterations(pfx, password, &total)
	}
	if total > MaxPFXIterations {
		return &UnsupportedError{Msg: fmt.Sprintf("PKCS#12 file whose key derivations ask for more than %d iterations in all (about a quarter of a microsecond each; real files ask for thousands)", MaxPFXIterations)}
	}
	return nil
}

// pfxIterations is the sum of the iteration counts checkPFXWork sees in
// pfx, counted up to just past MaxPFXIterations.
func pfxIterations(pfx []byte) uint64 {
	var total uint64
	walkPFX(pfx, 0, &total)
	return total
}

// walkPFX adds to *total the iteration counts in the DER elements der
// holds (see checkPFXWork), stopping at the first byte that is not DER,
// past MaxPFXIterations, or 16 levels down.
func walkPFX(der []byte, depth int, total *uint64) {
	if depth > 16 {
		return
	}
	afterOctets := false
	for len(der) > 0 && *total <= MaxPFXIterations {
		var e asn1.RawValue
		rest, err := asn1.Unmarshal(der, &e)
		if err != nil {
			return
		}
		der = rest
		universal := e.Class == asn1.ClassUniversal
		switch {
		case universal && e.Tag == asn1.TagInteger && afterOctets:
			switch c := e.Bytes; {
			case len(c) == 0 || c[0]&0x80 != 0:
				// Negative or empty: no work.
			case len(c) > 8:
				*total = MaxPFXIterations + 1
			default:
				var n uint64
				for _, b := range c {
					n = n<<8 | uint64(b)
				}
				*total += min(n, MaxPFXIterations+1)
			}
		case e.IsCompound:
			walkPFX(e.Bytes, depth+1, total)
		case universal && e.Tag == asn1.TagOctetString:
			var inner asn1.RawValue
			if r, err := asn1.Unmarshal(e.Bytes, &inner); err == nil && len(r) == 0 &&
				inner.Class == asn1.ClassUniversal && inner.Tag == asn1.TagSequence {
				walkPFX(e.Bytes, depth+1, total)
			}
		}
		afterOctets = universal && e.Tag == asn1.TagOctetString && !e.IsCompound
	}
}
