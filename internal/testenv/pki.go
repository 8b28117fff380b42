package testenv

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// A PKI is a throwaway certificate authority with a code-signing
// certificate and a timestamping certificate issued by it, for signing
// tests. The PEM files live in Dir.
type PKI struct {
	Dir string
	// CAFile holds the root certificate (for -CAfile and --ca-file).
	CAFile string
	// CertFile holds the code-signing certificate followed by the root,
	// KeyFile its private key (PKCS#8).
	CertFile, KeyFile string
	// TSACertFile and TSAKeyFile are the timestamp authority's.
	TSACertFile, TSAKeyFile string

	Root, Leaf, TSA *x509.Certificate
	LeafKey, TSAKey crypto.Signer
}

// NewPKI makes a PKI whose keys are of keyType ("rsa": 2048 bits, or
// "ecdsa": P-256). The code-signing certificate is valid from notBefore to
// notAfter (zero: from an hour ago for two days); the root and the
// timestamp authority for ten years around now.
func NewPKI(t testing.TB, keyType string, notBefore, notAfter time.Time) *PKI {
	t.Helper()
	now := time.Now()
	if notBefore.IsZero() {
		notBefore, notAfter = now.Add(-time.Hour), now.Add(48*time.Hour)
	}
	newKey := func() crypto.Signer {
		var k crypto.Signer
		var err error
		switch keyType {
		case "rsa":
			k, err = rsa.GenerateKey(rand.Reader, 2048)
		case "ecdsa":
			k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		default:
			t.Fatalf("NewPKI: key type %q", keyType)
		}
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	p := &PKI{Dir: t.TempDir()}
	rootKey := newKey()
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "msikit test root " + keyType},
		NotBefore: now.AddDate(-5, 0, 0), NotAfter: now.AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true,
	}
	p.Root = create(t, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	p.LeafKey = newKey()
	p.Leaf = create(t, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "msikit test signer " + keyType, Organization: []string{"msikit tests"}},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}, p.Root, p.LeafKey.Public(), rootKey)
	p.TSAKey = newKey()
	p.TSA = create(t, &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "msikit test timestamp authority " + keyType},
		NotBefore: now.AddDate(-5, 0, 0), NotAfter: now.AddDate(5, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature,
		// RFC 3161 wants the timeStamping extended key usage critical,
		// which the template's ExtKeyUsage cannot say.
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true,
			Value: []byte{0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08}}},
	}, p.Root, p.TSAKey.Public(), rootKey)
	p.CAFile = p.write(t, "ca.pem", certPEM(p.Root))
	p.CertFile = p.write(t, "cert.pem", certPEM(p.Leaf, p.Root))
	p.KeyFile = p.write(t, "key.pem", keyPEM(t, p.LeafKey))
	p.TSACertFile = p.write(t, "tsa.pem", certPEM(p.TSA))
	p.TSAKeyFile = p.write(t, "tsa-key.pem", keyPEM(t, p.TSAKey))
	return p
}

func create(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func certPEM(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

func keyPEM(t testing.TB, k crypto.Signer) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func (p *PKI) write(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(p.Dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TimestampServer starts an RFC 3161 timestamp authority on 127.0.0.1 for
// the rest of the test: each request is answered by `openssl ts -reply`
// signing with p's timestamp certificate. It returns the URL to post
// requests to. Nothing leaves the machine.
func (p *PKI) TimestampServer(t testing.TB) string {
	t.Helper()
	openssl := NeedTool(t, "openssl", "openssl")
	dir := t.TempDir()
	serial := filepath.Join(dir, "serial")
	if err := os.WriteFile(serial, []byte("01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cnf := filepath.Join(dir, "ts.cnf")
	conf := fmt.Sprintf(`[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = %s
crypto_device = builtin
signer_digest = sha256
default_policy = 1.3.6.1.4.1.4146.2.3
digests = sha1, sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`, serial)
	if err := os.WriteFile(cnf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		q, err := os.CreateTemp(dir, "q-*.tsq")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		q.Write(body)
		q.Close()
		out := q.Name() + ".tsr"
		cmd := exec.Command(openssl, "ts", "-reply", "-config", cnf, "-queryfile", q.Name(),
			"-signer", p.TSACertFile, "-inkey", p.TSAKeyFile, "-out", out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			http.Error(w, fmt.Sprintf("openssl ts: %v: %s", err, msg), http.StatusInternalServerError)
			return
		}
		resp, err := os.ReadFile(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
