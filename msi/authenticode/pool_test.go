package authenticode

import (
	"crypto/x509"
	"encoding/asn1"
)

func newPool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// emptyPool trusts nothing, so tests never depend on the system's roots.
var emptyPool = x509.NewCertPool()

func unmarshalTest(b []byte, v any) ([]byte, error) { return asn1.Unmarshal(b, v) }
