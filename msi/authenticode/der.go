package authenticode

import (
	"bytes"
	"encoding/asn1"
	"math/big"
	"slices"
)

// A small DER encoder for the structures Sign builds. encoding/asn1 cannot
// express an IMPLICIT [0] SET OF pre-encoded elements, nor keep the
// content of SignedData unwrapped, so the few shapes needed are written
// here directly.

const (
	tagOctetString = 0x04
	tagNull        = 0x05
	tagSequence    = 0x30
	tagSet         = 0x31
	tagContext0    = 0xa0 // [0] constructed
	tagContext1    = 0xa1 // [1] constructed
)

// tlv encodes one element with tag and the concatenated parts as content.
func tlv(tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n+6)
	out = append(out, tag)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		out = append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// derSet encodes a SET OF with its elements in DER order (sorted by
// their encodings).
func derSet(tag byte, elems ...[]byte) []byte {
	s := slices.Clone(elems)
	slices.SortFunc(s, bytes.Compare)
	return tlv(tag, s...)
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		// Only fixed, well-formed values are marshalled here.
		panic("authenticode: " + err.Error())
	}
	return b
}

func derOID(oid asn1.ObjectIdentifier) []byte { return mustMarshal(oid) }

func derInt(n int64) []byte { return mustMarshal(big.NewInt(n)) }

func derBigInt(n *big.Int) []byte { return mustMarshal(n) }

func derOctets(b []byte) []byte { return tlv(tagOctetString, b) }

// derAlgorithm encodes an AlgorithmIdentifier; withNull adds the NULL
// parameters RSA and digest identifiers carry.
func derAlgorithm(oid asn1.ObjectIdentifier, withNull bool) []byte {
	if withNull {
		return tlv(tagSequence, derOID(oid), []byte{tagNull, 0})
	}
	return tlv(tagSequence, derOID(oid))
}

// derAttribute encodes an Attribute with one value.
func derAttribute(oid asn1.ObjectIdentifier, value []byte) []byte {
	return tlv(tagSequence, derOID(oid), tlv(tagSet, value))
}
