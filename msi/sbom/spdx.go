package sbom

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/msikit/msikit/internal/jsonindent"
	"github.com/msikit/msikit/msi"
)

// SPDX 2.3 JSON, as much of it as an Inventory fills in.
type spdxCreation struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	SPDXID                  string            `json:"SPDXID"`
	Name                    string            `json:"name"`
	VersionInfo             string            `json:"versionInfo,omitempty"`
	PackageFileName         string            `json:"packageFileName,omitempty"`
	Supplier                string            `json:"supplier,omitempty"`
	DownloadLocation        string            `json:"downloadLocation"`
	FilesAnalyzed           bool              `json:"filesAnalyzed"`
	PackageVerificationCode *spdxVerification `json:"packageVerificationCode,omitempty"`
	Checksums               []spdxChecksum    `json:"checksums,omitempty"`
	PrimaryPackagePurpose   string            `json:"primaryPackagePurpose,omitempty"`
	BuiltDate               string            `json:"builtDate,omitempty"`
	Comment                 jsonindent.Text   `json:"comment,omitempty"` // props, or the root's *spdxRootComment
}

type spdxVerification struct {
	Value string `json:"packageVerificationCodeValue"`
}

type spdxChecksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type spdxFile struct {
	SPDXID    string         `json:"SPDXID"`
	FileName  string         `json:"fileName"`
	FileTypes []string       `json:"fileTypes,omitempty"`
	Checksums []spdxChecksum `json:"checksums"`
	Comment   props          `json:"comment,omitempty"`
}

type spdxRelation struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

func spdxChecksums(sha1, sha256, md5 []byte) []spdxChecksum {
	var cs []spdxChecksum
	for _, h := range []struct {
		alg string
		sum []byte
	}{{"SHA1", sha1}, {"SHA256", sha256}, {"MD5", md5}} {
		if h.sum != nil {
			cs = append(cs, spdxChecksum{h.alg, hex.EncodeToString(h.sum)})
		}
	}
	return cs
}

// spdxID returns "SPDXRef-" + kind + "-" + s with every character SPDX
// identifiers do not allow (and "-" itself) written as "-XX", so that
// different names give different identifiers.
func spdxID(kind, s string) string {
	var b strings.Builder
	b.WriteString("SPDXRef-" + kind + "-")
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "-%02X", c)
		}
	}
	return b.String()
}

// spdxFileTypes says what kind of file a PE image or a cabinet is.
func spdxFileTypes(pe *PE, n *NestedCabinet) []string {
	switch {
	case pe != nil:
		return []string{"BINARY"}
	case n != nil:
		return []string{"ARCHIVE"}
	}
	return nil
}

// nestedComment lists a nested cabinet's files for an SPDX comment (SPDX
// files need checksums, which a cabinet's directory does not give).
func nestedComment(ps props, n *NestedCabinet) props {
	if n == nil {
		return ps
	}
	for _, f := range n.Files {
		ps.add("cabinetFile", fmt.Sprintf("%s (%d bytes)", f.Name, f.Size))
	}
	return ps
}

// WriteSPDX writes the inventory as an SPDX 2.3 JSON document.
//
// The package is the document's described package (primaryPackagePurpose
// INSTALL, LIBRARY for a merge module), with its checksums when known, a
// packageVerificationCode over its files when every file was read, and
// its identity in the comment as "msikit:" lines. Each file whose contents
// were read is an SPDX file named "./" + its install path, with SHA1,
// SHA256 and (where MsiFileHash declares one) MD5 checksums and the same
// facts as the CycloneDX properties in its comment; files that could not
// be read cannot be SPDX files (their checksums are required) and are
// listed in the package's comment instead. Merged merge modules are
// packages (LIBRARY) that CONTAIN their files; table streams holding PE
// images or cabinets are files the package CONTAINS.
//
// The output depends only on the inventory and opts: SPDX identifiers are
// derived from File keys, module ids and stream names.
func (inv *Inventory) WriteSPDX(w io.Writer, opts *WriteOptions) error {
	if opts == nil {
		opts = &WriteOptions{}
	}
	return writeDoc(w, opts, inv.spdxDoc(opts).write)
}

// spdxDoc works out the SPDX document of the inventory.
func (inv *Inventory) spdxDoc(opts *WriteOptions) *spdxDoc {
	p := &inv.Package
	name := p.Name
	if name == "" {
		name = p.FileName
	}
	if name == "" {
		name = "unnamed " + p.Kind.String()
	}
	ns := opts.Namespace
	if ns == "" {
		ns = "https://github.com/msikit/msikit/spdx/" + url.PathEscape(name) + "-" + uuid5("urn:msikit:sbom:"+inv.digest())
	}
	created := opts.Created
	if created.IsZero() && dateTimeOK(p.Built) {
		created = p.Built
	}
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	creator := "Tool: msikit"
	if opts.ToolVersion != "" {
		creator += "-" + opts.ToolVersion
	}
	ids := newRefs("SPDXRef-DOCUMENT")
	rootProps := packageProps(p)
	root := &spdxPackage{
		SPDXID:                ids.unique("SPDXRef-Package"),
		Name:                  name,
		VersionInfo:           p.Version,
		PackageFileName:       p.FileName,
		Supplier:              "NOASSERTION",
		DownloadLocation:      "NOASSERTION",
		FilesAnalyzed:         true,
		Checksums:             spdxChecksums(p.SHA1, p.SHA256, nil),
		PrimaryPackagePurpose: "INSTALL",
	}
	if p.Kind == msi.PackageMergeModule {
		root.PrimaryPackagePurpose = "LIBRARY"
	}
	if p.Manufacturer != "" {
		root.Supplier = "Organization: " + p.Manufacturer
	}
	if !p.Built.IsZero() && dateTimeOK(p.Built) {
		// A year past 9999 is left to the msikit:built comment line.
		root.BuiltDate = p.Built.UTC().Format(time.RFC3339)
	}
	packages := []*spdxPackage{root}
	modules := map[string]string{}
	for _, m := range inv.Modules {
		mp := &spdxPackage{
			SPDXID:                ids.unique(spdxID("Module", ids.short(m.ID))),
			Name:                  m.Name,
			VersionInfo:           m.Version,
			DownloadLocation:      "NOASSERTION",
			PrimaryPackagePurpose: "LIBRARY",
			Comment:               moduleProps(m),
		}
		modules[m.ID] = mp.SPDXID
		packages = append(packages, mp)
	}
	// First pass: identifiers, the files not read (named in the package's
	// comment) and the verification code, which come before the files.
	fileIDs := make([]string, len(inv.Files))
	binIDs := make([]string, len(inv.Binaries))
	var sha1s []string
	notRead := 0
	for i, f := range inv.Files {
		if !f.Read {
			notRead++
			continue
		}
		fileIDs[i] = ids.unique(spdxID("File", ids.short(f.Key)))
		sha1s = append(sha1s, hex.EncodeToString(f.SHA1))
	}
	for i, b := range inv.Binaries {
		if b.ReadErr != nil {
			notRead++
			continue
		}
		binIDs[i] = ids.unique(spdxID("Stream", ids.short(b.Name)))
		sha1s = append(sha1s, hex.EncodeToString(b.SHA1))
	}
	var comment string
	if notRead == 0 {
		// SPDX 2.3 section 7.9: SHA-1 of the sorted SHA-1s of the files.
		sort.Strings(sha1s)
		h := sha1.Sum([]byte(strings.Join(sha1s, "")))
		root.PackageVerificationCode = &spdxVerification{hex.EncodeToString(h[:])}
	} else {
		comment = fmt.Sprintf("%d files of the package could not be read and are not listed as files; the package comment names them", notRead)
	}
	root.Comment = &spdxRootComment{rootProps, inv}
	return &spdxDoc{inv: inv, name: name, namespace: ns, created: created, creator: creator, comment: comment,
		packages: packages, modules: modules, fileIDs: fileIDs, binIDs: binIDs}
}

// spdxRootComment is the comment of the package an SPDX document
// describes: its properties, then a "notRead" line naming each file and
// stream whose contents could not be read, and why, made as it is
// written (56,000 such lines held as properties took 9 MB).
type spdxRootComment struct {
	props props
	inv   *Inventory
}

// JSONText writes the comment's lines.
func (c *spdxRootComment) JSONText(yield func(string) bool) {
	ok := true
	c.props.JSONText(func(s string) bool { ok = yield(s); return ok })
	first := len(c.props) == 0
	line := func(what string, err error) bool {
		if !first && !yield("\n") {
			return false
		}
		first = false
		if !yield("msikit:notRead") || !yield(": ") || !yield(what) || !yield(": ") {
			return false
		}
		return err == nil || yield(err.Error())
	}
	for _, f := range c.inv.Files {
		if !ok {
			return
		}
		if !f.Read {
			what := f.Path
			if what == "" {
				what = f.Key
			}
			ok = line(what, f.ReadErr)
		}
	}
	for _, b := range c.inv.Binaries {
		if !ok {
			return
		}
		if b.ReadErr != nil {
			ok = line(b.Name, b.ReadErr)
		}
	}
}

// spdxDoc is what an SPDX document says beyond the inventory, worked out
// once however many times the document is written.
type spdxDoc struct {
	inv                               *Inventory
	name, namespace, creator, comment string
	created                           time.Time
	packages                          []*spdxPackage    // the root first
	modules                           map[string]string // module id → SPDX identifier
	fileIDs, binIDs                   []string          // per file and stream: its identifier, "" for none
}

// write writes the document to j.
func (d *spdxDoc) write(j *jsonOut) error {
	inv, name, ns, created, creator, comment := d.inv, d.name, d.namespace, d.created, d.creator, d.comment
	packages, modules, fileIDs, binIDs := d.packages, d.modules, d.fileIDs, d.binIDs
	root := packages[0]
	j.open("", '{')
	j.field("spdxVersion", "SPDX-2.3")
	j.field("dataLicense", "CC0-1.0")
	j.field("SPDXID", "SPDXRef-DOCUMENT")
	j.field("name", name)
	j.field("documentNamespace", ns)
	j.field("creationInfo", spdxCreation{Created: created.UTC().Format(time.RFC3339), Creators: []string{creator}})
	if comment != "" {
		j.field("comment", comment)
	}
	j.field("packages", packages)
	if hasFiles(fileIDs) || hasFiles(binIDs) {
		j.open("files", '[')
		for i, f := range inv.Files {
			if j.stopped() {
				break
			}
			if fileIDs[i] == "" {
				continue
			}
			j.elem(&spdxFile{
				SPDXID:    fileIDs[i],
				FileName:  "./" + f.Path,
				FileTypes: spdxFileTypes(f.PE, f.Nested),
				Checksums: spdxChecksums(f.SHA1, f.SHA256, f.MD5),
				Comment:   nestedComment(fileProps(f), f.Nested),
			})
		}
		for i, b := range inv.Binaries {
			if j.stopped() {
				break
			}
			if binIDs[i] == "" {
				continue
			}
			j.elem(&spdxFile{
				SPDXID:    binIDs[i],
				FileName:  "./" + b.Name,
				FileTypes: spdxFileTypes(b.PE, b.Nested),
				Checksums: spdxChecksums(b.SHA1, b.SHA256, nil),
				Comment:   nestedComment(binaryProps(b), b.Nested),
			})
		}
		j.close(']')
	}
	j.open("relationships", '[')
	j.elem(spdxRelation{"SPDXRef-DOCUMENT", "DESCRIBES", root.SPDXID})
	for _, m := range packages[1:] {
		j.elem(spdxRelation{root.SPDXID, "CONTAINS", m.SPDXID})
	}
	for i, f := range inv.Files {
		if fileIDs[i] == "" {
			continue
		}
		j.elem(spdxRelation{root.SPDXID, "CONTAINS", fileIDs[i]})
		if m, ok := modules[f.Module]; ok && f.Module != "" {
			j.elem(spdxRelation{m, "CONTAINS", fileIDs[i]})
		}
	}
	for _, id := range binIDs {
		if id != "" {
			j.elem(spdxRelation{root.SPDXID, "CONTAINS", id})
		}
	}
	j.close(']')
	j.close('}')
	return j.end()
}

// hasFiles reports whether some file has an identifier.
func hasFiles(ids []string) bool {
	for _, id := range ids {
		if id != "" {
			return true
		}
	}
	return false
}
