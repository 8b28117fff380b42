package authenticode

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"hash"
	"unicode/utf16"

	"github.com/msikit/msikit/internal/rc2"
)

// The encrypted safes of a PKCS#12 file hide the parameters of the key
// bags they hold: their iteration counts are only seen once the safe is
// decrypted, and go-pkcs12 decrypts the key bag as soon as it has
// decrypted the safe. A file whose shrouded key bag asks for 2^31-1
// iterations inside a safe encrypted with 1 kept ParsePFX busy for about
// 18 minutes (1,000,000 took 0.5 s). hiddenIterations decrypts each
// encrypted safe as go-pkcs12 would (the same algorithms, the same
// password forms), at the cost of the counts the walk has already seen,
// and walks what it holds. A safe it cannot decrypt (a wrong password,
// an algorithm go-pkcs12 does not know either) is one go-pkcs12 fails on
// too, before it decrypts any key bag.

var (
	oidPFXData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidPFXEncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidPBEWith3DES      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithRC2128    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 5}
	oidPBEWithRC240     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6}
	oidPBES2            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACWithSHA1     = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACWithSHA256   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACWithSHA512   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

type pfxContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type pfxPDU struct {
	Version  int
	AuthSafe pfxContentInfo
	MacData  asn1.RawValue `asn1:"optional"`
}

type pfxAlgorithm struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type pfxEncryptedData struct {
	Version              int
	EncryptedContentInfo struct {
		ContentType                asn1.ObjectIdentifier
		ContentEncryptionAlgorithm pfxAlgorithm
		EncryptedContent           []byte `asn1:"tag:0,optional"`
	}
}

type pfxPBEParams struct {
	Salt       []byte
	Iterations int
}

type pfxPBES2Params struct {
	KDF struct {
		Algorithm asn1.ObjectIdentifier
		Params    struct {
			Salt       asn1.RawValue
			Iterations int
			KeyLength  int          `asn1:"optional"`
			PRF        pfxAlgorithm `asn1:"optional"`
		}
	}
	EncryptionScheme pfxAlgorithm
}

// hiddenIterations adds to *total the iteration counts of what the
// encrypted safes of pfx hold (see above), stopping past
// MaxPFXIterations, and returns how many safes it decrypted. The caller
// has checked that the visible counts are within it: decrypting the
// safes costs no more than that again.
func hiddenIterations(pfx []byte, password string, total *uint64) (decrypted int) {
	var p pfxPDU
	if rest, err := asn1.Unmarshal(pfx, &p); err != nil || len(rest) != 0 || !p.AuthSafe.ContentType.Equal(oidPFXData) {
		return 0
	}
	var authSafe []byte
	if _, err := asn1.Unmarshal(p.AuthSafe.Content.Bytes, &authSafe); err != nil {
		return 0
	}
	var safes []pfxContentInfo
	if _, err := asn1.Unmarshal(authSafe, &safes); err != nil {
		return 0
	}
	for _, ci := range safes {
		if *total > MaxPFXIterations {
			return decrypted
		}
		if !ci.ContentType.Equal(oidPFXEncryptedData) {
			continue // a data safe: the walk saw it
		}
		var ed pfxEncryptedData
		if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err != nil || ed.Version != 0 {
			continue
		}
		info := &ed.EncryptedContentInfo
		// go-pkcs12 tries the empty password as two BMP zero bytes and,
		// when the MAC says so, as no bytes at all (the same for PBES2,
		// which takes it as UTF-8).
		forms := [][]byte{bmpPassword(password)}
		if password == "" && !info.ContentEncryptionAlgorithm.Algorithm.Equal(oidPBES2) {
			forms = append(forms, []byte{})
		}
		for _, pw := range forms {
			if plain, ok := pfxDecrypt(info.ContentEncryptionAlgorithm, info.EncryptedContent, pw); ok {
				walkPFX(plain, 0, total)
				decrypted++
				break
			}
		}
	}
	return decrypted
}

// bmpPassword is password as PKCS#12 PBE takes it: UTF-16 big-endian
// with a terminating zero.
func bmpPassword(password string) []byte {
	u := utf16.Encode([]rune(password))
	b := make([]byte, 0, 2*len(u)+2)
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return append(b, 0, 0)
}

// pfxDecrypt decrypts data encrypted with alg and the password pw (in
// its BMP form) as go-pkcs12 does, reporting whether it could: the
// padding is right.
func pfxDecrypt(alg pfxAlgorithm, data, pw []byte) ([]byte, bool) {
	var block cipher.Block
	var iv []byte
	switch {
	case alg.Algorithm.Equal(oidPBES2):
		var p pfxPBES2Params
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil || !p.KDF.Algorithm.Equal(oidPBKDF2) || p.KDF.Params.Salt.Tag != asn1.TagOctetString {
			return nil, false
		}
		var prf func() hash.Hash
		switch a := p.KDF.Params.PRF.Algorithm; {
		case a == nil || a.Equal(oidHMACWithSHA1):
			prf = sha1.New
		case a.Equal(oidHMACWithSHA256):
			prf = sha256.New
		case a.Equal(oidHMACWithSHA512):
			prf = sha512.New
		default:
			return nil, false
		}
		var keyLen int
		switch s := p.EncryptionScheme.Algorithm; {
		case s.Equal(oidAES128CBC):
			keyLen = 16
		case s.Equal(oidAES192CBC):
			keyLen = 24
		case s.Equal(oidAES256CBC):
			keyLen = 32
		default:
			return nil, false
		}
		if p.KDF.Params.Iterations < 1 {
			return nil, false
		}
		// PBES2 takes the password as UTF-8 (go-pkcs12 decodes the BMP
		// form back).
		key, err := pbkdf2.Key(prf, bmpToString(pw), p.KDF.Params.Salt.Bytes, p.KDF.Params.Iterations, keyLen)
		if err != nil {
			return nil, false
		}
		if block, err = aes.NewCipher(key); err != nil {
			return nil, false
		}
		iv = p.EncryptionScheme.Parameters.Bytes
	case alg.Algorithm.Equal(oidPBEWith3DES), alg.Algorithm.Equal(oidPBEWithRC2128), alg.Algorithm.Equal(oidPBEWithRC240):
		var p pfxPBEParams
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil || p.Iterations < 1 {
			return nil, false
		}
		var err error
		switch {
		case alg.Algorithm.Equal(oidPBEWith3DES):
			block, err = des.NewTripleDESCipher(pkcs12KDF(p.Salt, pw, p.Iterations, 1, 24))
		case alg.Algorithm.Equal(oidPBEWithRC2128):
			block, err = rc2.New(pkcs12KDF(p.Salt, pw, p.Iterations, 1, 16), 128)
		default:
			block, err = rc2.New(pkcs12KDF(p.Salt, pw, p.Iterations, 1, 5), 40)
		}
		if err != nil {
			return nil, false
		}
		iv = pkcs12KDF(p.Salt, pw, p.Iterations, 2, 8)
	default:
		return nil, false
	}
	bs := block.BlockSize()
	if len(iv) != bs || len(data) == 0 || len(data)%bs != 0 {
		return nil, false
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, data)
	pad := int(plain[len(plain)-1])
	if pad == 0 || pad > bs {
		return nil, false
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, false
		}
	}
	return plain[:len(plain)-pad], true
}

// bmpToString decodes a BMP password (UTF-16 big-endian, its terminating
// zero dropped) to UTF-8.
func bmpToString(b []byte) string {
	if len(b) >= 2 && b[len(b)-2] == 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-2]
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}

// pkcs12KDF derives n bytes from salt and the BMP password pw with
// SHA-1 as RFC 7292, appendix B.2 describes (id 1: a key, 2: an IV),
// hashing iterations times.
func pkcs12KDF(salt, pw []byte, iterations int, id byte, n int) []byte {
	const u, v = sha1.Size, 64
	fill := func(b []byte) []byte { // b repeated to a multiple of v bytes
		if len(b) == 0 {
			return nil
		}
		out := make([]byte, v*((len(b)+v-1)/v))
		for i := range out {
			out[i] = b[i%len(b)]
		}
		return out
	}
	d := make([]byte, v)
	for i := range d {
		d[i] = id
	}
	in := append(fill(salt), fill(pw)...)
	var out []byte
	for len(out) < n {
		h := sha1.New()
		h.Write(d)
		h.Write(in)
		a := h.Sum(nil)
		for range iterations - 1 {
			s := sha1.Sum(a)
			a = s[:]
		}
		out = append(out, a...)
		if len(out) >= n {
			break
		}
		// Each v-byte block of in becomes in + B + 1, B being a
		// repeated to v bytes, modulo 2^(8v).
		var b [v]byte
		for i := range b {
			b[i] = a[i%u]
		}
		for j := 0; j < len(in); j += v {
			carry := 1
			for k := v - 1; k >= 0; k-- {
				s := int(in[j+k]) + int(b[k]) + carry
				in[j+k] = byte(s)
				carry = s >> 8
			}
		}
	}
	return out[:n]
}
