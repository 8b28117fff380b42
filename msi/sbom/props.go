package sbom

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi/authenticode"
	"github.com/msikit/msikit/msi/install"
)

// A prop is one fact about a component, written as a CycloneDX property
// and as a line of an SPDX comment. Names are in the "msikit:" namespace;
// the README lists them.
type prop struct {
	name, value string
}

type props []prop

func (p *props) add(name, value string) {
	if value != "" {
		*p = append(*p, prop{name: "msikit:" + name, value: value})
	}
}

// JSONText writes the properties as "name: value" lines, an SPDX
// comment, never held whole.
func (p props) JSONText(yield func(string) bool) {
	for i, x := range p {
		if i > 0 && !yield("\n") {
			return
		}
		if !yield(x.name) || !yield(": ") || !yield(x.value) {
			return
		}
	}
}

// packageProps are the facts about the package the SBOM describes.
func packageProps(p *Package) props {
	var ps props
	ps.add("packageKind", p.Kind.String())
	ps.add("fileName", p.FileName)
	ps.add("productCode", p.ProductCode)
	ps.add("upgradeCode", p.UpgradeCode)
	ps.add("packageCode", p.PackageCode)
	ps.add("productLanguage", p.Language)
	ps.add("platform", p.Platform)
	ps.add("languages", p.Languages)
	ps.add("moduleID", p.ModuleID)
	ps.add("patchCode", p.PatchCode)
	for _, t := range p.Targets {
		ps.add("patchTarget", t)
	}
	if !p.Built.IsZero() {
		ps.add("built", p.Built.UTC().Format(time.RFC3339))
	}
	if p.Size > 0 || p.SHA256 != nil {
		ps.add("size", strconv.FormatInt(p.Size, 10))
	}
	signatureProps(&ps, p)
	return ps
}

// signatureProps are the facts about the package's signature.
func signatureProps(ps *props, p *Package) {
	if !p.Signed {
		ps.add("signature", "none")
		return
	}
	var ve *authenticode.VerifyError
	switch {
	case p.Signature == nil && p.SignatureErr == nil:
		ps.add("signature", "not verified")
	case p.SignatureErr == nil:
		ps.add("signature", "valid")
	case errors.As(p.SignatureErr, &ve):
		ps.add("signature", "invalid")
		for _, e := range ve.Problems {
			ps.add("signatureProblem", e.Error())
		}
	default:
		ps.add("signature", "invalid")
		ps.add("signatureProblem", p.SignatureErr.Error())
	}
	sig := p.Signature
	if sig == nil {
		return
	}
	if sig.Hash != 0 {
		ps.add("signatureDigest", sig.Hash.String())
	}
	if c := sig.Signer; c != nil {
		certProps(ps, "signer", c)
	}
	if ts := sig.Timestamp; ts != nil && !ts.Time.IsZero() {
		ps.add("signatureTime", ts.Time.UTC().Format(time.RFC3339))
	}
	if len(sig.Chains) > 0 {
		ps.add("signatureChain", "verified")
	} else {
		ps.add("signatureChain", "not checked")
	}
}

func certProps(ps *props, prefix string, c *x509.Certificate) {
	ps.add(prefix, authenticode.FormatName(c.Subject))
	ps.add(prefix+"Issuer", authenticode.FormatName(c.Issuer))
	ps.add(prefix+"Serial", fmt.Sprintf("%X", c.SerialNumber))
	fp := sha256.Sum256(c.Raw)
	ps.add(prefix+"SHA256", hex.EncodeToString(fp[:]))
}

// fileProps are the facts about an installed file.
func fileProps(f *File) props {
	var ps props
	ps.add("installPath", f.Path)
	ps.add("fileKey", f.Key)
	ps.add("component", f.Component)
	ps.add("componentId", f.ComponentID)
	ps.add("directory", f.Directory)
	ps.add("module", f.Module)
	ps.add("size", strconv.FormatInt(f.Size, 10))
	ps.add("fileVersion", f.Version)
	ps.add("fileLanguage", f.Language)
	ps.add("companionOf", f.CompanionOf)
	if f.Placement != install.AtInstallPath {
		ps.add("placement", f.Placement.String())
	}
	ps.add("duplicateOf", f.DuplicateOf)
	ps.add("cabinet", f.Cabinet)
	if f.MsiFileHash != nil {
		ps.add("msiFileHash", hex.EncodeToString(f.MsiFileHash))
		if f.Read {
			if f.HashMismatch {
				ps.add("msiFileHashMatch", "false")
			} else {
				ps.add("msiFileHashMatch", "true")
			}
		}
	}
	if f.ReadErr != nil {
		ps.add("notRead", f.ReadErr.Error())
	}
	if a := f.Assembly; a != nil {
		if a.Win32 {
			ps.add("assemblyType", "win32")
		} else {
			ps.add("assemblyType", ".net")
		}
		ps.add("assemblyManifest", a.Manifest)
		for _, n := range a.Names {
			ps.add("assembly:"+n.Name, n.Value)
		}
	}
	peProps(&ps, f.PE, f.PEErr)
	nestedProps(&ps, f.Nested, f.NestedErr)
	return ps
}

// machines names the common PE machine types.
var machines = map[uint16]string{0x14c: "x86", 0x8664: "x64", 0xaa64: "arm64", 0x1c4: "arm", 0x200: "ia64"}

// peProps are the facts a PE image gives about itself.
func peProps(ps *props, p *PE, perr error) {
	if perr != nil {
		ps.add("peError", perr.Error())
	}
	if p == nil {
		return
	}
	m, ok := machines[p.Machine]
	if !ok {
		m = fmt.Sprintf("%#x", p.Machine)
	}
	ps.add("peMachine", m)
	if v := p.Version; v != nil {
		ps.add("peFileVersion", v.FileVersion)
		ps.add("peProductVersion", v.ProductVersion)
		if len(v.Languages) > 0 {
			ls := make([]string, len(v.Languages))
			for i, l := range v.Languages {
				ls[i] = strconv.Itoa(int(l))
			}
			ps.add("peLanguages", strings.Join(ls, ","))
		}
		for _, s := range v.Strings {
			ps.add("pe:"+s.Key, s.Value)
		}
	}
	if p.VersionErr != nil {
		ps.add("peVersionError", p.VersionErr.Error())
	}
	if d := p.DotNet; d != nil {
		ps.add("dotnetName", d.Name)
		ps.add("dotnetVersion", d.Version)
		ps.add("dotnetCulture", d.Culture)
		ps.add("dotnetPublicKeyToken", d.PublicKeyToken)
		ps.add("dotnetProcessorArchitecture", d.ProcessorArchitecture)
	}
	if p.DotNetErr != nil {
		ps.add("dotnetError", p.DotNetErr.Error())
	}
}

func nestedProps(ps *props, n *NestedCabinet, err error) {
	if err != nil {
		ps.add("cabinetError", err.Error())
	}
	if n == nil {
		return
	}
	ps.add("cabinetFiles", strconv.Itoa(len(n.Files)))
	if n.Truncated {
		ps.add("cabinetFilesTruncated", "true")
	}
}

// binaryProps are the facts about a table stream.
func binaryProps(b *Binary) props {
	var ps props
	ps.add("stream", b.Name)
	ps.add("table", b.Table)
	ps.add("size", strconv.FormatInt(b.Size, 10))
	if b.ReadErr != nil {
		ps.add("notRead", b.ReadErr.Error())
	}
	peProps(&ps, b.PE, b.PEErr)
	nestedProps(&ps, b.Nested, b.NestedErr)
	return ps
}

// moduleProps are the facts about a merged merge module.
func moduleProps(m *Module) props {
	var ps props
	ps.add("moduleID", m.ID)
	ps.add("moduleGUID", m.GUID)
	ps.add("moduleLanguage", m.Language)
	ps.add("moduleComponents", strconv.Itoa(len(m.Components)))
	return ps
}

// version is the version a file component carries: the File table's, or
// its version resource's.
func (f *File) version() string {
	if f.Version != "" {
		return f.Version
	}
	if f.PE != nil && f.PE.Version != nil {
		return f.PE.Version.FileVersion
	}
	return ""
}

// uuid5 returns the name-based (SHA-1, version 5) UUID of name in the URL
// namespace (RFC 9562), as "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx".
func uuid5(name string) string {
	ns := []byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte(name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// digest identifies the inventory's contents: the package's identity and
// hash and every file's key, path and hash. Documents made from the same
// package get the same serial number and namespace; any change to the
// package gives new ones. A text over clip.Max bytes is hashed as its own
// SHA-256, once per text (longTexts): a package can name one pooled
// text as the key of 60,000 File rows.
func (inv *Inventory) digest() string {
	h := sha256.New()
	var long longTexts
	w := func(s ...string) {
		for _, x := range s {
			if len(x) > clip.Max {
				fmt.Fprintf(h, "%d#%s", len(x), long.sum(x))
				continue
			}
			fmt.Fprintf(h, "%d:%s", len(x), x)
		}
	}
	p := &inv.Package
	w(p.Kind.String(), p.Name, p.Version, p.Manufacturer, p.ProductCode, p.UpgradeCode, p.PackageCode, p.PatchCode, p.ModuleID, hex.EncodeToString(p.SHA256))
	for _, f := range inv.Files {
		w("file", f.Key, f.Path, hex.EncodeToString(f.SHA256))
	}
	for _, m := range inv.Modules {
		w("module", m.ID, m.Version)
	}
	for _, b := range inv.Binaries {
		w("stream", b.Name, hex.EncodeToString(b.SHA256))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// longTexts gives the SHA-256 of texts, in hex, computed once per text
// held in the same bytes (textmemo): the rows of a package that name one
// pooled text share its bytes.
type longTexts struct {
	sums textmemo.Memo[string]
}

func (l *longTexts) sum(s string) string {
	return l.sums.Get(s, func(s string) string {
		d := sha256.Sum256([]byte(s))
		return hex.EncodeToString(d[:])
	})
}

// short returns s, or for a text over clip.Max bytes its first bytes,
// "~" and the first 16 hex digits of its SHA-256: the identifiers of a
// document are built from keys and names, which a hostile package can
// make megabytes long and repeat in every row (60,000 File rows keyed by
// one 480 KiB text asked for 60,000 identifiers of 480 KiB, each hashed
// into the map of those taken). Different texts give different ones.
func (l *longTexts) short(s string) string {
	if len(s) <= clip.Max {
		return s
	}
	return clip.Prefix(s, clip.Keep) + "~" + l.sum(s)[:16]
}

// refs hands out identifiers that are unique within one document.
type refs struct {
	taken map[string]bool
	next  map[string]int // the suffix to try next for a name asked for again
	long  longTexts      // short's digests
}

// short returns the text of s that identifiers are built from: s, or its
// start and digest when it is over clip.Max bytes (longTexts.short).
func (r *refs) short(s string) string { return r.long.short(s) }

func newRefs(taken ...string) *refs {
	r := &refs{taken: map[string]bool{}, next: map[string]int{}}
	for _, s := range taken {
		r.taken[s] = true
	}
	return r
}

// unique returns s, or s with "-2", "-3"... appended when it is taken.
// The suffixes of a name asked for again start after the last one it
// got, so that n files of one key (a package may repeat a key) cost n
// steps, not n*n/2.
func (r *refs) unique(s string) string {
	if !r.taken[s] {
		r.taken[s] = true
		return s
	}
	for i := max(r.next[s], 2); ; i++ {
		t := s + "-" + strconv.Itoa(i)
		if !r.taken[t] {
			r.taken[t] = true
			r.next[s] = i + 1
			return t
		}
	}
}
