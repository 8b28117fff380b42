package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/msi/authenticode"
)

var cmdSign = &Command{
	Name:      "sign",
	UsageLine: "msikit sign PKG (-o OUT | --in-place) (--cert FILE --key FILE | --pfx FILE [--password-file FILE]) [flags]",
	Short:     "sign a package with Authenticode (replacing any signature)",
	Long: `Sign computes the package's Authenticode digest and writes a copy of PKG
signed with the given key: every stream and storage is copied byte for byte
with its metadata, \x05DigitalSignature is replaced (an existing signature is
dropped, and said so), and \x05MsiDigitalSignatureEx is written with --ex or
left out. Windows shows the signer instead of "Unidentified Publisher" and
checks the signature again at repair and uninstall.

The key is an RSA or ECDSA key: a PEM certificate chain (--cert: the signing
certificate, then intermediates) with its unencrypted PEM key (--key), or a
PKCS#12 file (--pfx) with its password in --password-file. Keys and
passwords are never printed.

--timestamp asks an RFC 3161 timestamp authority to countersign, so the
signature stays valid after the certificate expires; the request is the only
network traffic, and only with this flag.

The output is written atomically; PKG is never modified unless --in-place is
given. msikit verify checks the result.

` + durability,
	Example: `msikit sign product.msi --cert chain.pem --key key.pem -o product-signed.msi
msikit sign product.msi --pfx codesign.pfx --password-file pw.txt --ex \
    --timestamp http://timestamp.example.com -o product-signed.msi
msikit sign --in-place --digest sha384 --cert chain.pem --key key.pem product.msi`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		var o outputFlags
		o.define(fs, "PKG", "write the signed package to `OUT`", withInPlace|withSignerFlags)
		sf := &o.sign
		return func(env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one PKG")
			}
			if !sf.wanted() {
				return usagef("name the key: --cert and --key, or --pfx")
			}
			if err := sf.check(); err != nil {
				return err
			}
			in := args[0]
			dst, err := o.path(in)
			if err != nil {
				return err
			}
			if err := o.checkNotRead(dst); err != nil {
				return err
			}
			opts, err := sf.options()
			if err != nil {
				return err
			}
			// Only Windows Installer databases are signed: a compound
			// file whose string pool or schema does not read is refused.
			db, err := openMSI(env, in)
			if err != nil {
				return err
			}
			if err := checkNotCabinet(db, in, dst); err != nil {
				db.Close()
				return err
			}
			replaced := db.Signed()
			db.Close()
			wc, err := validateInput(o.validate, in)
			if err != nil {
				return err
			}
			if err := authenticode.SignFile(env.Ctx, dst, in, o.sync || o.inPlace, opts); err != nil {
				return signErr(in, err)
			}
			fmt.Fprintf(env.Stdout, "%s\n", signSummary(dst, opts, replaced))
			return wc.report(env, dst)
		}
	},
}

// signSummary is the line sign (and the writers with --sign-*) print.
func signSummary(dst string, o *authenticode.SignOptions, replaced bool) string {
	parts := []string{o.Hash.String()}
	if o.Extended {
		parts = append(parts, `\x05MsiDigitalSignatureEx`)
	}
	if o.TimestampURL != "" {
		parts = append(parts, "timestamped")
	}
	s := fmt.Sprintf("%s: signed by %q (%s)", dst, authenticode.FormatName(o.Certificates[0].Subject), strings.Join(parts, ", "))
	if replaced {
		s += "; the previous signature was replaced"
	}
	return s
}

// signErr words a signing failure as "<file>: <reason>" without the
// package prefixes. A failed write is reported against the file written,
// with the system's own wording.
func signErr(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Op == "write" {
		return fileErr(pe.Path, pe)
	}
	return fileErr(name, errors.New(strings.TrimPrefix(strings.TrimPrefix(err.Error(), "authenticode: "), "cfb: ")))
}
