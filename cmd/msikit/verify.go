package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/msi/authenticode"
)

var cmdVerify = &Command{
	Name:      "verify",
	UsageLine: "msikit verify PKG... [--json] [--ca-file FILE] [--no-chain] [--jobs N]",
	Short:     "verify packages' Authenticode signatures",
	Long: `Verify checks the Authenticode signature of each package:

  - the digest of the package's streams (and, with \x05MsiDigitalSignatureEx,
    of their names, sizes and times) is recomputed and compared with the
    signed one;
  - the signer's signature over the signed attributes must verify;
  - a timestamp (RFC 3161 token or Authenticode countersignature), when
    present, must verify, and then gives the time of signing;
  - the signing certificate must be valid at the time of signing (now, when
    there is no timestamp);
  - the certificate chains of the signer and of the timestamp authority must
    lead to a trusted root: the certificates in --ca-file, or the system's.
    --no-chain skips only this check, for packages signed by certificates
    this machine does not trust.

Each package gets one line: "PKG: valid (...)", "PKG: not signed", or
"PKG: invalid" followed by one line "PKG: <problem>" per problem. A folder
stands for its .msi, .msm, .msp and .mst files; with several packages the
output ends with a summary line, and --jobs packages are checked at once.
The exit status is 0 when every package is signed and valid, 1 otherwise.

Go's crypto/x509 refuses certificates signed with SHA-1, so chains of old
(pre-2016) signatures fail the trust check; --no-chain checks the rest.
--json prints one JSON document (schema in the README).`,
	Example: `msikit verify product.msi
msikit verify --ca-file company-root.pem dist/
msikit verify --no-chain --json vendor/*.msi | jq '.packages[] | select(.valid | not)'`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		o := &verifyOpts{}
		fs.BoolVar(&o.jsonOut, "json", false, "print the results as JSON")
		fs.StringVar(&o.caFile, "ca-file", "", "trust the PEM certificates in `FILE` instead of the system's roots")
		fs.BoolVar(&o.noChain, "no-chain", false, "do not check that the certificate chains lead to a trusted root")
		fs.IntVarP(&o.jobs, "jobs", "j", defaultJobs(), "`N` packages verified at once; the default is one per CPU, at most 8")
		return func(env *Env, args []string) error { return runVerify(env, o, args) }
	},
}

type verifyOpts struct {
	jsonOut, noChain bool
	caFile           string
	jobs             int
}

// verifyResult is one package's outcome; its JSON form is the documented
// schema.
type verifyResult struct {
	File      string          `json:"file"`
	Valid     bool            `json:"valid"`
	Signed    bool            `json:"signed"`
	Error     string          `json:"error,omitempty"`
	Problems  []verifyProblem `json:"problems,omitempty"`
	Digest    string          `json:"digest,omitempty"`
	Extended  bool            `json:"extended"`
	Signer    *certJSON       `json:"signer,omitempty"`
	Timestamp *timestampJSON  `json:"timestamp,omitempty"`
	Chain     []string        `json:"chain,omitempty"`
}

type verifyProblem struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

type certJSON struct {
	Subject   string `json:"subject"`
	Issuer    string `json:"issuer"`
	Serial    string `json:"serial"`
	NotBefore string `json:"notBefore"`
	NotAfter  string `json:"notAfter"`
}

type timestampJSON struct {
	Time   string `json:"time"`
	Kind   string `json:"kind"`
	Signer string `json:"signer,omitempty"`
}

type verifySummary struct {
	Packages []*verifyResult `json:"packages"`
	Valid    int             `json:"valid"`
	Invalid  int             `json:"invalid"`
}

func runVerify(env *Env, o *verifyOpts, args []string) error {
	if len(args) == 0 {
		return usagef("no package")
	}
	if o.jobs < 1 {
		return usagef("--jobs must be at least 1")
	}
	if o.caFile != "" && o.noChain {
		return usagef("--ca-file and --no-chain exclude each other")
	}
	opts := &authenticode.VerifyOptions{NoChain: o.noChain}
	if o.caFile != "" {
		pool, err := loadCAFile(o.caFile)
		if err != nil {
			return err
		}
		opts.Roots = pool
	}
	inputs, batch, err := expandPackages(args, ".msi", ".msm", ".msp", ".mst")
	if err != nil {
		return err
	}
	// Each package's result is written as soon as it and the ones before
	// it are done: a batch holds --jobs results at a time, not all.
	var (
		sum   verifySummary // the counts; Packages stays nil
		first *verifyResult // the one package of a single verify
		jw    *jsonBatch[*verifyResult]
	)
	if o.jsonOut {
		jw = newJSONBatch(env.Stdout, writeJSONValue[*verifyResult])
	}
	work := func(i int) *verifyResult { return verifyOne(inputs[i], opts) }
	emit := func(i int, r *verifyResult) {
		if i == 0 {
			first = r
		}
		if r.Valid {
			sum.Valid++
		} else {
			sum.Invalid++
		}
		if jw != nil {
			jw.add(r)
		} else {
			writeVerifyTextOne(env.Stdout, r)
		}
	}
	// A signal stops the batch between packages; what was verified is
	// reported, and the exit status says the run was stopped.
	stopErr := forEachOrdered(len(inputs), o.jobs, env.stopped, work, emit)
	if jw != nil {
		// As json.Encoder with SetIndent("", "  ") writes a verifySummary.
		if err := jw.end(jsonCount{"valid", sum.Valid}, jsonCount{"invalid", sum.Invalid}); err != nil {
			return err
		}
	} else if batch {
		fmt.Fprintf(env.Stdout, "%d valid, %d not valid\n", sum.Valid, sum.Invalid)
	}
	switch {
	case stopErr != nil:
		return stopErr
	case sum.Invalid == 0:
		return nil
	case !batch:
		r := first
		if r.Error != "" {
			return errors.New(r.File + ": " + r.Error)
		}
		if !r.Signed {
			return fmt.Errorf("%s: not signed", r.File)
		}
		return fmt.Errorf("%s: signature not valid (%s)", r.File, plural(len(r.Problems), "problem"))
	}
	return fmt.Errorf("verify: %d of %d packages not valid", sum.Invalid, len(inputs))
}

// loadCAFile reads the PEM certificates of a --ca-file.
func loadCAFile(path string) (*x509.CertPool, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: certificate %d: %w", path, n+1, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: no PEM CERTIFICATE block", path)
	}
	return pool, nil
}

// expandPackages turns the arguments into package paths: files as given,
// folders as their entries named with one of exts (case-insensitive)
// that are not folders. A symbolic link counts as what it points to, so a
// folder of links to packages is a folder of packages; an entry that is
// not a regular file (a named pipe, a dangling link) is kept, and fails
// with its own error when opened rather than being left out unsaid.
// batch reports whether there is more than one package or a folder was
// named.
func expandPackages(args []string, exts ...string) (inputs []string, batch bool, err error) {
	batch = len(args) > 1
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil || !fi.IsDir() {
			inputs = append(inputs, a) // a missing file fails when opened
			continue
		}
		batch = true
		ents, err := os.ReadDir(a)
		if err != nil {
			return nil, false, err
		}
		var found []string
		for _, e := range ents {
			if !slices.Contains(exts, strings.ToLower(filepath.Ext(e.Name()))) {
				continue
			}
			p := filepath.Join(a, e.Name())
			if e.Type()&fs.ModeSymlink != 0 {
				if fi, err := os.Stat(p); err == nil && fi.IsDir() {
					continue // a link to a folder
				}
			} else if e.IsDir() {
				continue
			}
			found = append(found, p)
		}
		sort.Strings(found)
		inputs = append(inputs, found...)
	}
	if len(inputs) == 0 {
		list := strings.Join(exts[:len(exts)-1], ", ") + " or " + exts[len(exts)-1]
		return nil, false, usagef("no %s files in %s", list, strings.Join(args, ", "))
	}
	return inputs, batch, nil
}

// verifyOne verifies one package; it never panics the process.
func verifyOne(path string, opts *authenticode.VerifyOptions) *verifyResult {
	r := &verifyResult{File: path}
	sig, err := authenticode.VerifyFile(path, opts)
	var ve *authenticode.VerifyError
	switch {
	case err == nil:
		r.Valid, r.Signed = true, true
	case errors.Is(err, authenticode.ErrNotSigned):
	case errors.As(err, &ve):
		r.Signed = true
		for _, p := range ve.Problems {
			r.Problems = append(r.Problems, verifyProblem{Kind: problemKind(p), Message: problemText(p)})
		}
	case errors.Is(err, authenticode.ErrFormat):
		r.Signed = true
		r.Problems = []verifyProblem{{Kind: "format", Message: problemText(err)}}
	default:
		r.Error = strings.TrimPrefix(fileErr(path, err).Error(), path+": ")
		r.Error = strings.TrimPrefix(r.Error, "cfb: ")
	}
	if sig == nil {
		return r
	}
	if sig.Hash != 0 {
		r.Digest = sig.Hash.String()
	}
	r.Extended = sig.Extended
	if c := sig.Signer; c != nil {
		r.Signer = &certJSON{Subject: authenticode.FormatName(c.Subject), Issuer: authenticode.FormatName(c.Issuer), Serial: fmt.Sprintf("%X", c.SerialNumber),
			NotBefore: c.NotBefore.UTC().Format(time.RFC3339), NotAfter: c.NotAfter.UTC().Format(time.RFC3339)}
	}
	if ts := sig.Timestamp; ts != nil {
		r.Timestamp = &timestampJSON{Time: ts.Time.Format(time.RFC3339), Kind: ts.Kind()}
		if ts.Signer != nil {
			r.Timestamp.Signer = authenticode.FormatName(ts.Signer.Subject)
		}
	}
	if len(sig.Chains) > 0 {
		for _, c := range sig.Chains[0] {
			r.Chain = append(r.Chain, authenticode.FormatName(c.Subject))
		}
	}
	return r
}

// problemKind names a problem's kind for --json.
func problemKind(err error) string {
	var ue *authenticode.UnsupportedError
	switch {
	case errors.Is(err, authenticode.ErrDigestMismatch):
		return "digest-mismatch"
	case errors.Is(err, authenticode.ErrBadSignature):
		return "bad-signature"
	case errors.Is(err, authenticode.ErrBadTimestamp):
		return "bad-timestamp"
	case errors.Is(err, authenticode.ErrExpired):
		return "expired"
	case errors.Is(err, authenticode.ErrUntrusted):
		return "untrusted"
	case errors.Is(err, authenticode.ErrFormat):
		return "format"
	case errors.As(err, &ue):
		return "unsupported"
	}
	return "error"
}

// writeVerifyTextOne writes one package's lines of the text report.
func writeVerifyTextOne(w io.Writer, r *verifyResult) {
	switch {
	case r.Error != "":
		fmt.Fprintf(w, "%s: error: %s\n", r.File, r.Error)
	case !r.Signed:
		fmt.Fprintf(w, "%s: not signed\n", r.File)
	case r.Valid:
		fmt.Fprintf(w, "%s: valid (%s)\n", r.File, describeValid(r))
	default:
		fmt.Fprintf(w, "%s: invalid\n", r.File)
		for _, p := range r.Problems {
			fmt.Fprintf(w, "%s: %s\n", r.File, p.Message)
		}
	}
}

func describeValid(r *verifyResult) string {
	parts := []string{r.Digest}
	if r.Extended {
		parts = append(parts, `\x05MsiDigitalSignatureEx`)
	}
	if r.Signer != nil {
		parts = append(parts, fmt.Sprintf("signed by %q", r.Signer.Subject))
	}
	if r.Timestamp != nil {
		parts = append(parts, fmt.Sprintf("timestamp %s (%s)", r.Timestamp.Time, r.Timestamp.Kind))
	}
	if len(r.Chain) == 0 {
		parts = append(parts, "chain not checked")
	}
	return strings.Join(parts, ", ")
}
