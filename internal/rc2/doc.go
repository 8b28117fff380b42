// Package rc2 implements the RC2 cipher (RFC 2268,
// https://www.ietf.org/rfc/rfc2268.txt), as go-pkcs12 keeps it internal:
// msi/authenticode decrypts the encrypted safes of a PKCS#12 file that
// use it (pbeWithSHAAnd40BitRC2-CBC, pbeWithSHAAnd128BitRC2-CBC) to count
// the key-derivation work of the key bags inside before go-pkcs12 runs
// it. The code is go-pkcs12's (BSD-style licence, see LICENSE; the cipher
// code MIT).
package rc2
