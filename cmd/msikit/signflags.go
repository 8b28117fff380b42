package main

import (
	"crypto"
	"fmt"
	"strings"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/authenticode"
)

// signFlags are the flags that choose a signing key and how to sign. msikit
// sign names them --cert, --key, --digest, --ex; the package writers
// (rewrite, import, repack) take the same set with a sign- prefix where a
// bare name would be unclear (--sign-cert, --sign-key, --sign-digest,
// --sign-ex). --pfx, --password-file and --timestamp keep their names.
type signFlags struct {
	cert, key, pfx, passwordFile string
	digest                       string
	ex                           bool
	timestamp                    string
	prefix                       string
}

// define binds the flags to fs; prefix is "" for msikit sign and "sign-"
// for the writers.
func (s *signFlags) define(fs *flag.FlagSet, prefix string) {
	s.prefix = prefix
	fs.StringVar(&s.cert, prefix+"cert", "", "PEM `FILE` with the signing certificate and any intermediates")
	fs.StringVar(&s.key, prefix+"key", "", "PEM `FILE` with the signing certificate's private key (unencrypted)")
	fs.StringVar(&s.pfx, "pfx", "", "PKCS#12 `FILE` (.pfx, .p12) with the key and certificates, instead of --"+prefix+"cert and --"+prefix+"key")
	fs.StringVar(&s.passwordFile, "password-file", "", "`FILE` whose first line is the --pfx password (default: no password)")
	fs.StringVar(&s.digest, prefix+"digest", "sha256", "digest `ALG`: sha256, sha384, sha512 or sha1")
	fs.BoolVar(&s.ex, prefix+"ex", false, `also write \x05MsiDigitalSignatureEx (signs stream names, sizes and times too)`)
	fs.StringVar(&s.timestamp, "timestamp", "", "RFC 3161 timestamp authority `URL` to countersign with")
}

// files returns the files the flags name (certificate, key, PKCS#12 and
// password files), to keep an output from replacing one of them.
func (s *signFlags) files() []string {
	var files []string
	for _, f := range []string{s.cert, s.key, s.pfx, s.passwordFile} {
		if f != "" {
			files = append(files, f)
		}
	}
	return files
}

// wanted reports whether any key flag was given.
func (s *signFlags) wanted() bool { return s.cert != "" || s.key != "" || s.pfx != "" }

// check reports flag combinations that cannot work, before any work.
func (s *signFlags) check() error {
	p := "--" + s.prefix
	switch {
	case s.pfx != "" && (s.cert != "" || s.key != ""):
		return usagef("give either --pfx or %scert and %skey, not both", p, p)
	case s.pfx == "" && (s.cert == "") != (s.key == ""):
		return usagef("%scert and %skey go together", p, p)
	case s.passwordFile != "" && s.pfx == "":
		return usagef("--password-file is for --pfx")
	case !s.wanted() && (s.timestamp != "" || s.ex):
		return usagef("%sex and --timestamp need a key: %scert and %skey, or --pfx", p, p, p)
	}
	if _, err := s.hash(); err != nil {
		return err
	}
	return nil
}

func (s *signFlags) hash() (crypto.Hash, error) {
	switch strings.ToLower(strings.ReplaceAll(s.digest, "-", "")) {
	case "sha256":
		return crypto.SHA256, nil
	case "sha384":
		return crypto.SHA384, nil
	case "sha512":
		return crypto.SHA512, nil
	case "sha1":
		return crypto.SHA1, nil
	}
	return 0, usagef("--%sdigest %q: want sha256, sha384, sha512 or sha1", s.prefix, s.digest)
}

// options loads the key and certificates. Errors name the file, never
// its contents.
func (s *signFlags) options() (*authenticode.SignOptions, error) {
	h, err := s.hash()
	if err != nil {
		return nil, err
	}
	o := &authenticode.SignOptions{Hash: h, Extended: s.ex, TimestampURL: s.timestamp}
	if s.pfx != "" {
		data, err := readKeyFile(s.pfx)
		if err != nil {
			return nil, err
		}
		password := ""
		if s.passwordFile != "" {
			pw, err := readKeyFile(s.passwordFile)
			if err != nil {
				return nil, err
			}
			password, _, _ = strings.Cut(string(pw), "\n")
			password = strings.TrimSuffix(password, "\r")
		}
		o.Signer, o.Certificates, err = parsePFXBounded(data, password)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", s.pfx, strings.TrimPrefix(err.Error(), "authenticode: "))
		}
		return o, nil
	}
	certPEM, err := readKeyFile(s.cert)
	if err != nil {
		return nil, err
	}
	keyPEM, err := readKeyFile(s.key)
	if err != nil {
		return nil, err
	}
	o.Signer, o.Certificates, err = authenticode.ParsePEM(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s, %s: %s", s.cert, s.key, strings.TrimPrefix(err.Error(), "authenticode: "))
	}
	return o, nil
}

// load checks the flags and, when a key was named, loads it; it returns
// nil options when no signing was asked for.
func (s *signFlags) load() (*authenticode.SignOptions, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if !s.wanted() {
		return nil, nil
	}
	return s.options()
}

// saveSigned is how the package writers save when asked to sign: through
// authenticode.SaveSigned, then the line msikit sign prints.
func saveSigned(env *Env, db *msi.Database, dst string, so *msi.SaveOptions, o *authenticode.SignOptions) error {
	replaced := db.Signed()
	if err := authenticode.SaveSigned(env.Ctx, db, dst, so, o); err != nil {
		return signErr(dst, err)
	}
	fmt.Fprintln(env.Stdout, signSummary(dst, o, replaced))
	return nil
}
