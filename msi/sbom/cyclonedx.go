package sbom

import (
	"encoding/hex"
	"io"
	"strconv"
	"time"

	"github.com/msikit/msikit/msi"
)

// WriteOptions configures WriteCycloneDX and WriteSPDX. The zero value
// gives a document that depends on the inventory alone.
type WriteOptions struct {
	// Created is when the document is made, in the years 0000 to 9999
	// (RFC 3339; WriteCycloneDX and WriteSPDX refuse other years). The
	// zero time leaves out CycloneDX's optional timestamp and gives
	// SPDX's required one the package's Built time (the Unix epoch when
	// it has none or its year is past 9999).
	Created time.Time
	// ToolVersion is the version of the tool named as the document's
	// author ("msikit"), "" for none.
	ToolVersion string
	// SerialNumber is the CycloneDX serialNumber ("urn:uuid:..."); ""
	// derives one from the inventory (a name-based UUID of its digest),
	// so the same package always gets the same number.
	SerialNumber string
	// Namespace is the SPDX documentNamespace; "" derives one from the
	// inventory in the same way.
	Namespace string
	// MaxBytes, when positive, refuses a document longer than MaxBytes
	// bytes before any of it is written: the error wraps ErrTooLarge.
	// A document quotes a string the package stores once in every file
	// that uses it, so a crafted package of 5 MB whose 12,000 File rows
	// name 64 KiB strings makes gigabytes of JSON. The document is then
	// made twice, first only counted (which stops as soon as the count
	// passes MaxBytes, so a refusal costs at most the time of writing
	// MaxBytes), then written; long strings are escaped once for both.
	// 0 writes the document whatever its size, once.
	MaxBytes int64
}

// CycloneDX 1.6 JSON, as much of it as an Inventory fills in.
type cdxMetadata struct {
	Timestamp string        `json:"timestamp,omitempty"`
	Tools     cdxTools      `json:"tools"`
	Component *cdxComponent `json:"component"`
}

type cdxTools struct {
	Components []*cdxComponent `json:"components"`
}

type cdxComponent struct {
	Type         string          `json:"type"`
	BOMRef       string          `json:"bom-ref,omitempty"`
	Manufacturer *cdxOrg         `json:"manufacturer,omitempty"`
	Publisher    string          `json:"publisher,omitempty"`
	Name         string          `json:"name"`
	Version      string          `json:"version,omitempty"`
	Hashes       []cdxHash       `json:"hashes,omitempty"`
	Components   []*cdxComponent `json:"components,omitempty"`
	Evidence     *cdxEvidence    `json:"evidence,omitempty"`
	Properties   []cdxProperty   `json:"properties,omitempty"`
}

type cdxOrg struct {
	Name string `json:"name"`
}

type cdxHash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

type cdxEvidence struct {
	Occurrences []cdxOccurrence `json:"occurrences"`
}

type cdxOccurrence struct {
	Location string `json:"location"`
}

type cdxProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cdxComposition struct {
	Aggregate  string   `json:"aggregate"`
	Assemblies []string `json:"assemblies"`
}

func cdxProps(ps props) []cdxProperty {
	out := make([]cdxProperty, len(ps))
	for i, p := range ps {
		out[i] = cdxProperty{p.name, p.value}
	}
	return out
}

func cdxHashes(sha256, sha1, md5 []byte) []cdxHash {
	var hs []cdxHash
	for _, h := range []struct {
		alg string
		sum []byte
	}{{"SHA-256", sha256}, {"SHA-1", sha1}, {"MD5", md5}} {
		if h.sum != nil {
			hs = append(hs, cdxHash{h.alg, hex.EncodeToString(h.sum)})
		}
	}
	return hs
}

// WriteCycloneDX writes the inventory as a CycloneDX 1.6 JSON document.
//
// The package is metadata.component (type "application", or "library"
// for a merge module), with its hashes when known and its identity as
// properties. Each file is a component of type "file": its name, its
// version (the File table's, else its version resource's), its hashes
// (SHA-256, SHA-1, and MD5 where MsiFileHash declares one), its install
// path as evidence.occurrences[].location, and the rest as "msikit:"
// properties (README: the SBOM section lists them). Files of a merged
// merge module are nested in the module's component (type "library");
// the files of a nested cabinet in the file's component. Table streams
// holding PE images or cabinets are "file" components with an
// "msikit:stream" property. compositions says whether the inventory is
// complete ("incomplete" when some file's contents could not be read).
//
// The output depends only on the inventory and opts: components are in
// the inventory's order and bom-refs are derived from File keys, module
// ids and stream names.
func (inv *Inventory) WriteCycloneDX(w io.Writer, opts *WriteOptions) error {
	if opts == nil {
		opts = &WriteOptions{}
	}
	return writeDoc(w, opts, func(j *jsonOut) error { return inv.cycloneDX(j, opts) })
}

// cycloneDX writes the CycloneDX document to j.
func (inv *Inventory) cycloneDX(j *jsonOut, opts *WriteOptions) error {
	ids := newRefs()
	p := &inv.Package
	root := &cdxComponent{
		Type:       "application",
		BOMRef:     ids.unique("package"),
		Name:       p.Name,
		Version:    p.Version,
		Hashes:     cdxHashes(p.SHA256, p.SHA1, nil),
		Properties: cdxProps(packageProps(p)),
	}
	if p.Kind == msi.PackageMergeModule {
		root.Type = "library"
	}
	if root.Name == "" {
		root.Name = p.FileName
	}
	if root.Name == "" {
		root.Name = "unnamed " + p.Kind.String()
	}
	if p.Manufacturer != "" {
		root.Manufacturer = &cdxOrg{p.Manufacturer}
		root.Publisher = p.Manufacturer
	}
	tool := &cdxComponent{Type: "application", Name: "msikit", Version: opts.ToolVersion}
	serial := opts.SerialNumber
	if serial == "" {
		serial = "urn:uuid:" + uuid5("urn:msikit:sbom:"+inv.digest())
	}
	meta := cdxMetadata{Tools: cdxTools{Components: []*cdxComponent{tool}}, Component: root}
	if !opts.Created.IsZero() {
		meta.Timestamp = opts.Created.UTC().Format(time.RFC3339)
	}
	agg := "complete"
	if !inv.Complete() {
		agg = "incomplete"
	}
	// Written component by component: a module's files are gathered
	// first, as its component holds them.
	byModule := map[string][]*File{}
	for _, f := range inv.Files {
		if f.Module != "" {
			byModule[f.Module] = append(byModule[f.Module], f)
		}
	}
	inModule := map[string]bool{}
	j.open("", '{')
	j.field("$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json")
	j.field("bomFormat", "CycloneDX")
	j.field("specVersion", "1.6")
	j.field("serialNumber", serial)
	j.field("version", 1)
	j.field("metadata", meta)
	j.open("components", '[')
	for _, m := range inv.Modules {
		if j.stopped() {
			break
		}
		c := &cdxComponent{
			Type:       "library",
			BOMRef:     ids.unique("module:" + ids.short(m.ID)),
			Name:       m.Name,
			Version:    m.Version,
			Properties: cdxProps(moduleProps(m)),
		}
		for _, f := range byModule[m.ID] {
			if j.stopped() {
				break
			}
			c.Components = append(c.Components, cdxFile(ids, f))
		}
		inModule[m.ID] = true
		j.elem(c)
	}
	for _, f := range inv.Files {
		if j.stopped() {
			break
		}
		if !inModule[f.Module] {
			j.elem(cdxFile(ids, f))
		}
	}
	for _, b := range inv.Binaries {
		c := &cdxComponent{
			Type:       "file",
			BOMRef:     ids.unique("stream:" + ids.short(b.Name)),
			Name:       b.Name,
			Hashes:     cdxHashes(b.SHA256, b.SHA1, nil),
			Properties: cdxProps(binaryProps(b)),
		}
		if b.PE != nil && b.PE.Version != nil {
			c.Version = b.PE.Version.FileVersion
		}
		c.Components = cdxNested(ids, c.BOMRef, b.Nested)
		j.elem(c)
	}
	j.close(']')
	j.field("compositions", []cdxComposition{{Aggregate: agg, Assemblies: []string{root.BOMRef}}})
	j.close('}')
	return j.end()
}

// cdxFile is the component of a file.
func cdxFile(ids *refs, f *File) *cdxComponent {
	c := &cdxComponent{
		Type:       "file",
		BOMRef:     ids.unique("file:" + ids.short(f.Key)),
		Name:       f.Name,
		Version:    f.version(),
		Hashes:     cdxHashes(f.SHA256, f.SHA1, f.MD5),
		Properties: cdxProps(fileProps(f)),
	}
	if c.Name == "" {
		c.Name = f.Key
	}
	if f.Path != "" {
		c.Evidence = &cdxEvidence{Occurrences: []cdxOccurrence{{Location: f.Path}}}
	}
	c.Components = cdxNested(ids, c.BOMRef, f.Nested)
	return c
}

// cdxNested lists a nested cabinet's files as components.
func cdxNested(ids *refs, parent string, n *NestedCabinet) []*cdxComponent {
	if n == nil {
		return nil
	}
	var cs []*cdxComponent
	for _, f := range n.Files {
		var ps props
		ps.add("size", strconv.FormatInt(f.Size, 10))
		cs = append(cs, &cdxComponent{Type: "file", BOMRef: ids.unique(parent + "/" + ids.short(f.Name)), Name: f.Name, Properties: cdxProps(ps)})
	}
	return cs
}
