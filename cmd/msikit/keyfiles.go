package main

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/msikit/msikit/msi/authenticode"
)

// maxKeyFileSize bounds what msikit reads of a key, certificate,
// password or trust file (--cert, --key, --pfx, --password-file,
// --ca-file). Real ones are kilobytes (a system's whole trust bundle
// about 200 KB); a name such as /dev/zero must not be read until memory
// runs out.
const maxKeyFileSize = 16 << 20

// readKeyFile reads the file name, refusing one larger than
// maxKeyFileSize.
func readKeyFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("%s: larger than %d MiB: not a key, certificate or password file", name, maxKeyFileSize>>20)
	}
	return data, nil
}

// pfxTimeout bounds the time spent decoding a PKCS#12 file. ParsePFX
// refuses iteration counts past authenticode.MaxPFXIterations, those of
// the key bags inside encrypted safes included (it decrypts the safes to
// see them); the timeout is for what that cannot foresee (a slow
// machine). Real files take well under a second.
var pfxTimeout = 3 * time.Second

// parsePFX is authenticode.ParsePFX (a variable for tests).
var parsePFX = authenticode.ParsePFX

// errPFXTimeout is the error of a PKCS#12 file still decoding after
// pfxTimeout.
var errPFXTimeout = errors.New("decoding the PKCS#12 file takes too long: its key derivation asks for more iterations than any real key file")

// parsePFXBounded runs parsePFX for at most pfxTimeout. On timeout the
// decoding goes on in the background until the command exits, which it
// does next.
func parsePFXBounded(data []byte, password string) (crypto.Signer, []*x509.Certificate, error) {
	type result struct {
		key   crypto.Signer
		certs []*x509.Certificate
		err   error
	}
	done := make(chan result, 1)
	parse := parsePFX // read here: the goroutine may outlive the call
	go func() {
		k, c, err := parse(data, password)
		done <- result{k, c, err}
	}()
	timer := time.NewTimer(pfxTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.key, r.certs, r.err
	case <-timer.C:
		return nil, nil, fmt.Errorf("%w (more than %v)", errPFXTimeout, pfxTimeout)
	}
}
