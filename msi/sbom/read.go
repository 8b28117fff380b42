package sbom

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/msikit/msikit/cab"
	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/internal/assembly"
	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/authenticode"
	"github.com/msikit/msikit/msi/install"
)

// ErrUnsupported is wrapped by the error Read returns for a transform
// (.mst): a transform changes another package and installs nothing of its
// own.
var ErrUnsupported = errors.New("sbom: unsupported package")

// Options configures Read. The zero value lays files out as 64-bit
// Windows does, looks for external cabinets beside the package, hashes
// the file the database was opened from and verifies its signature
// without checking the certificate chain.
type Options struct {
	// SourceDir is the folder of external cabinets and uncompressed
	// files (install.Options.SourceDir); "" means the package's folder.
	SourceDir string
	// Layout chooses what the standard folders stand for in install
	// paths (install.LayoutX64, the zero value, or install.LayoutX86).
	Layout install.Layout
	// Package, if not nil, holds the PackageSize bytes of the package
	// db was read from, for the package's hashes and signature. When it
	// is nil, the file db was opened from (db.Path) is read; a database
	// from msi.NewDatabase then has neither.
	Package     io.ReaderAt
	PackageSize int64
	// Verify are the options for verifying the signature. nil checks
	// the digests, the signature and the timestamp but not the
	// certificate chain (authenticode.VerifyOptions.NoChain), so that the
	// result does not depend on the machine's trusted roots.
	Verify *authenticode.VerifyOptions
	// MaxRatio bounds the decoding of cabinets against decompression
	// bombs (install.Options.MaxRatio): 0 means install.DefaultMaxRatio,
	// a negative value no bound. Files past it are listed without hashes,
	// with a File.ReadErr matching install.ErrTooLarge.
	MaxRatio int
}

// Read builds the inventory of db: the package's identity, every file
// with its install path (the layout install.Files and install.Extract
// use), its hashes and what its contents say, the merge modules merged
// into it, and the PE files and cabinets among its table streams.
//
// Each cabinet is read once, front to back, as install.Extract reads it:
// every file is hashed (SHA-256, SHA-1, and MD5 where MsiFileHash
// declares one) while its PE headers, version resource, .NET metadata or
// nested cabinet directory are read from the same stream, so memory does
// not depend on file sizes and nothing is written to disk. The package
// file is read once more for its own hashes and once for its signature.
//
// Files whose contents cannot be read (a missing external cabinet, data
// that fails to decode) are listed without hashes, with File.ReadErr and
// in Inventory.Report; a file whose PE image or nested cabinet cannot be
// parsed keeps its hashes, with File.PEErr or File.NestedErr. The error
// is for tables that cannot be read (matching msi.ErrFormat) and for
// transforms (matching ErrUnsupported).
func Read(db *msi.Database, opts *Options) (*Inventory, error) {
	return ReadContext(context.Background(), db, opts)
}

// ReadContext is Read with a context: once ctx is done, decoding the
// cabinets stops within a block (install.ExtractContext), hashing the
// package file within a 64 KiB read and reading table streams before the
// next, and ReadContext returns no inventory and an error matching
// ctx.Err() and context.Cause(ctx): an *install.StopError that says where
// decoding stopped, or one naming what was being read. A scanner reading
// untrusted packages under a deadline passes it here: the decoding bound
// (Options.MaxRatio) keeps a package to seconds, the context stops it
// sooner.
func ReadContext(ctx context.Context, db *msi.Database, opts *Options) (*Inventory, error) {
	if opts == nil {
		opts = &Options{}
	}
	if db.Kind() == msi.PackageTransform {
		return nil, fmt.Errorf("%w: a transform (.mst) installs nothing of its own; read the package it applies to", ErrUnsupported)
	}
	r := &reader{ctx: ctx, db: db, inv: &Inventory{}, budget: MaxNestedFiles}
	if err := r.readPackage(); err != nil {
		return nil, err
	}
	// The package file is hashed (and its signature verified) on
	// another goroutine while the files are read: on a machine with two
	// cores the two passes take the time of one.
	pkgDone := make(chan error, 1)
	go func() { pkgDone <- r.readPackageFile(opts) }()
	err := func() error {
		if err := r.readTables(); err != nil {
			return err
		}
		if err := r.readFiles(opts); err != nil {
			return err
		}
		return r.readBinaries()
	}()
	if perr := <-pkgDone; err == nil {
		err = perr
	}
	if err != nil {
		return nil, err
	}
	inv := r.inv
	sortFiles(inv.Files)
	sort.Slice(inv.Modules, func(i, j int) bool { return inv.Modules[i].ID < inv.Modules[j].ID })
	sort.Slice(inv.Binaries, func(i, j int) bool { return inv.Binaries[i].Name < inv.Binaries[j].Name })
	return inv, nil
}

// sortFiles sorts files by path, then key, stably, through the texts'
// ranks (textmemo.Ranks): the rows of a crafted package can all name one
// pooled key of megabytes, which a sort comparing it with itself at each
// step took seconds over.
func sortFiles(files []*File) {
	textmemo.SortStable(files, func(f *File) string { return f.Path }, func(f *File) string { return f.Key })
}

// reader is the state of one Read call.
type reader struct {
	ctx context.Context
	db  *msi.Database
	inv *Inventory

	// The tables' rows by their keys, in indexes that hash a long key
	// once per distinct text, not once per row: the rows of a crafted
	// package can all name one pooled text of megabytes.
	fileRows textmemo.Index[fileRow]   // File table: key → columns
	compRows textmemo.Index[compRow]   // Component table
	fileHash textmemo.Index[[]byte]    // MsiFileHash: key → MD5
	assembly textmemo.Index[*Assembly] // key path File key → declared identity
	moduleOf textmemo.Index[string]    // component → ModuleID
	byKey    textmemo.Index[*File]     // File rows, by key (the first of a repeated key)
	repeats  textmemo.Index[*repeated] // File rows of the keys repeated
	buf      []byte                    // forward reader windows, reused
	sha256   hash.Hash
	sha1     hash.Hash
	md5      hash.Hash
	budget   int              // nested cabinet files still allowed
	unlisted map[string]*File // cabinet files no File row names, by cabinet and name
}

type fileRow struct{ version, language string }

type compRow struct{ id, keyPath string }

// table returns the rows of name, or nil when the package lacks it.
func (r *reader) table(name string) (*msi.Table, error) {
	if !r.db.HasTable(name) {
		return nil, nil
	}
	return r.db.Table(name)
}

// readPackage fills in the package's identity.
func (r *reader) readPackage() error {
	db, p := r.db, &r.inv.Package
	p.Kind = db.Kind()
	p.Signed = db.Signed()
	si, err := db.SummaryInfo()
	if err != nil {
		return err
	}
	for _, id := range []msi.PropertyID{msi.PIDLastSaved, msi.PIDCreated} {
		if ft, ok := si.Filetime(id); ok && ft != 0 && p.Built.IsZero() {
			p.Built = ft.Time().UTC()
		}
	}
	if name := db.Path(); name != "" {
		p.FileName = filepath.Base(name)
	}
	template := si.String(msi.PIDTemplate)
	if p.Kind == msi.PackagePatch {
		rev := si.String(msi.PIDRevision)
		if len(rev) >= 38 {
			rev = rev[:38]
		}
		p.PatchCode = rev
		for _, t := range strings.Split(template, ";") {
			if t = strings.TrimSpace(t); t != "" {
				p.Targets = append(p.Targets, t)
			}
		}
		p.Name, p.Manufacturer = si.String(msi.PIDSubject), si.String(msi.PIDAuthor)
		t, err := r.table("MsiPatchMetadata")
		if err != nil {
			return err
		}
		if t != nil {
			for row := range t.Rows() {
				if !row.Get("Company").IsNull() {
					continue
				}
				switch v := row.Get("Value").Str(); row.Get("Property").Str() {
				case "DisplayName":
					p.Name = v
				case "ManufacturerName":
					p.Manufacturer = v
				}
			}
		}
		return nil
	}
	p.Platform, p.Languages, _ = strings.Cut(template, ";")
	if p.PackageCode, err = db.PackageCode(); err != nil {
		return err
	}
	if p.Kind == msi.PackageMergeModule {
		p.Manufacturer = si.String(msi.PIDAuthor)
		t, err := r.table("ModuleSignature")
		if err != nil {
			return err
		}
		if t != nil && t.Len() > 0 {
			row := t.Row(0)
			p.ModuleID = row.Get("ModuleID").Str()
			p.Name, _ = splitModuleID(p.ModuleID)
			p.Version = row.Get("Version").Str()
			p.Language = row.Get("Language").String()
		}
		if p.Name == "" {
			p.Name = si.String(msi.PIDSubject)
		}
		return nil
	}
	t, err := r.table("Property")
	if err != nil {
		return err
	}
	if t != nil {
		for row := range t.Rows() {
			v := row.Get("Value").Str()
			switch row.Get("Property").Str() {
			case "ProductName":
				p.Name = v
			case "ProductVersion":
				p.Version = v
			case "Manufacturer":
				p.Manufacturer = v
			case "ProductCode":
				p.ProductCode = v
			case "UpgradeCode":
				p.UpgradeCode = v
			case "ProductLanguage":
				p.Language = v
			}
		}
	}
	if p.Name == "" {
		p.Name = si.String(msi.PIDSubject)
	}
	return nil
}

// splitModuleID splits a ModuleID "Name.GUID" (the GUID with underscores
// for hyphens) into the name and the GUID in registry form.
func splitModuleID(id string) (name, guid string) {
	i := strings.LastIndexByte(id, '.')
	if i < 0 {
		return id, ""
	}
	g := id[i+1:]
	if len(g) != 36 {
		return id, ""
	}
	for j := 0; j < len(g); j++ {
		c := g[j]
		switch j {
		case 8, 13, 18, 23:
			if c != '_' {
				return id, ""
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return id, ""
			}
		}
	}
	return id[:i], "{" + strings.ToUpper(strings.ReplaceAll(g, "_", "-")) + "}"
}

// readTables reads what the File, Component, MsiFileHash, MsiAssembly,
// MsiAssemblyName, ModuleSignature and ModuleComponents tables say about
// the files and modules.
func (r *reader) readTables() error {
	if t, err := r.table("File"); err != nil {
		return err
	} else if t != nil {
		for row := range t.Rows() {
			r.fileRows.Set(row.Get("File").Str(), fileRow{version: row.Get("Version").Str(), language: row.Get("Language").Str()})
		}
	}
	if t, err := r.table("Component"); err != nil {
		return err
	} else if t != nil {
		for row := range t.Rows() {
			r.compRows.Set(row.Get("Component").Str(), compRow{id: row.Get("ComponentId").Str(), keyPath: row.Get("KeyPath").Str()})
		}
	}
	if t, err := r.table("MsiFileHash"); err != nil {
		return err
	} else if t != nil {
		for row := range t.Rows() {
			// Four 32-bit parts, each the little-endian reading of four
			// bytes of the MD5 (as MsiGetFileHash returns it).
			var h []byte
			for _, c := range []string{"HashPart1", "HashPart2", "HashPart3", "HashPart4"} {
				v := uint32(row.Get(c).Int())
				h = append(h, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
			}
			r.fileHash.Set(row.Get("File_").Str(), h)
		}
	}
	var byComp textmemo.Index[*Assembly]
	if t, err := r.table("MsiAssembly"); err != nil {
		return err
	} else if t != nil {
		for row := range t.Rows() {
			comp := row.Get("Component_").Str()
			a := &Assembly{Win32: row.Get("Attributes").Int() == 1, Manifest: row.Get("File_Manifest").Str()}
			byComp.Set(comp, a)
			if kp := r.compRows.Get(comp).keyPath; kp != "" {
				r.assembly.Set(kp, a)
			}
		}
	}
	if t, err := r.table("MsiAssemblyName"); err != nil {
		return err
	} else if t != nil {
		for row := range t.Rows() {
			if a := byComp.Get(row.Get("Component_").Str()); a != nil {
				a.Names = append(a.Names, NameValue{row.Get("Name").Str(), row.Get("Value").Str()})
			}
		}
	}
	for _, a := range byComp.All() {
		sort.SliceStable(a.Names, func(i, j int) bool { return a.Names[i].Name < a.Names[j].Name })
	}
	if r.inv.Package.Kind != msi.PackageInstaller {
		return nil // a merge module's ModuleSignature is its own identity
	}
	var modules textmemo.Index[*Module]
	if t, err := r.table("ModuleSignature"); err != nil {
		return err
	} else if t != nil {
		for row := range t.Rows() {
			m := &Module{ID: row.Get("ModuleID").Str(), Version: row.Get("Version").Str(), Language: row.Get("Language").String()}
			if modules.Get(m.ID) != nil {
				continue // one module in several languages: listed once
			}
			m.Name, m.GUID = splitModuleID(m.ID)
			modules.Set(m.ID, m)
			r.inv.Modules = append(r.inv.Modules, m)
		}
	}
	if t, err := r.table("ModuleComponents"); err != nil {
		return err
	} else if t != nil {
		for row := range t.Rows() {
			comp, id := row.Get("Component").Str(), row.Get("ModuleID").Str()
			m := modules.Get(id)
			if m == nil {
				continue
			}
			if !r.moduleOf.Has(comp) {
				r.moduleOf.Set(comp, id)
				m.Components = append(m.Components, comp)
			}
		}
	}
	for _, m := range r.inv.Modules {
		sort.Strings(m.Components)
	}
	return nil
}

// readFiles lists the package's files and reads their contents.
func (r *reader) readFiles(opts *Options) error {
	// One plan for listing the files and extracting them: the Directory
	// tree is resolved once.
	plan, err := install.NewPlan(r.db, &install.Options{SourceDir: opts.SourceDir, Layout: opts.Layout, MaxRatio: opts.MaxRatio})
	if err != nil {
		return err
	}
	for f := range plan.Files() {
		sf := r.newFile(f)
		r.inv.Files = append(r.inv.Files, sf)
		if first, dup := r.byKey.Lookup(f.Key); !dup {
			r.byKey.Set(f.Key, sf)
		} else {
			rp := r.repeats.Get(f.Key)
			if rp == nil {
				rp = &repeated{rows: []*File{first}}
				r.repeats.Set(f.Key, rp)
			}
			rp.rows = append(rp.rows, sf)
		}
	}
	r.buf = make([]byte, forwardHead+2*forwardBack)
	r.sha256, r.sha1, r.md5 = sha256.New(), sha1.New(), md5.New()
	r.unlisted = map[string]*File{}
	rep, err := plan.ExtractContext(r.ctx, func(f *install.File, rd io.Reader) error {
		sf := r.deliveredRow(f)
		if sf == nil {
			// A cabinet file no File row names (a patch's): listed as
			// the cabinet holds it.
			sf = r.newFile(f)
			r.inv.Files = append(r.inv.Files, sf)
			r.unlisted[f.Cabinet+"\x00"+f.Key] = sf
		}
		if err := r.readFile(sf, rd); err != nil {
			// Recorded here and not returned: an error from fn stops
			// Extract, unless it is the cabinet's own (which Extract
			// then lists in its report too).
			sf.ReadErr = &install.FileError{Key: f.Key, Cabinet: f.Cabinet, Err: err}
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.inv.Report = rep
	for _, fe := range rep.Failed {
		sf := r.failedRow(fe.Key)
		if sf == nil {
			sf = r.unlisted[fe.Cabinet+"\x00"+fe.Key]
		}
		if sf == nil {
			// A cabinet file no File row names that failed to decode:
			// at the path install planned for it, as those that
			// decode; one whose name was refused has none, and the
			// refusal as its Err (install.File's rule: a Path or an
			// Err).
			sf = &File{File: install.File{Key: fe.Key, Name: fe.Key, Path: fe.Path, Cabinet: fe.Cabinet, Compressed: true}}
			if fe.Path != "" {
				sf.Name = path.Base(fe.Path)
			} else {
				sf.Err = fe
			}
			r.inv.Files = append(r.inv.Files, sf)
		}
		sf.Read, sf.SHA256, sf.SHA1, sf.MD5, sf.HashMismatch = false, nil, nil, nil, false
		sf.ReadErr = fe
	}
	return nil
}

// repeated lists the File rows of a key a package repeats (which a
// crafted one can do tens of thousands of times), in layout order, with
// where to look for the row delivered next and the row failed next.
type repeated struct {
	rows      []*File
	delivered int // the row after the one delivered last
	failed    int // rows before it were read or given their failure
}

// deliveredRow returns the entry of the File row install delivered as f,
// or nil when no File row has f's key and path (a cabinet file a patch
// adds, which no File row names). Install delivers a row at most once,
// at its own Path, unique among the package's files: the copies of a key
// the package repeats are told apart by it (not by which copy is not
// read yet, which gave a copy whose read failed partway the contents of
// the copy delivered after it). Install delivers a key's copies in
// layout order, so the search goes on from the copy delivered last.
func (r *reader) deliveredRow(f *install.File) *File {
	rp := r.repeats.Get(f.Key)
	if rp == nil {
		if sf := r.byKey.Get(f.Key); sf != nil && sf.Path == f.Path {
			return sf
		}
		return nil
	}
	n := len(rp.rows)
	for k := range n {
		i := (rp.delivered + k) % n
		if rp.rows[i].Path == f.Path {
			rp.delivered = i + 1
			return rp.rows[i]
		}
	}
	return nil
}

// failedRow returns the entry of the File row of key that
// Report.Failed's next failure of key is about, or nil when there is
// none left: the key names no File row, or its rows were read. The
// report lists a key's failures in layout order (Report.Failed is sorted
// by key, stably; install tries a key's first copy in the cabinets, then
// every copy not delivered yet in layout order), one for each copy not
// read: never delivered, or delivered and failing partway (which
// readFiles records too, and the report's failure replaces). So a key
// the package repeats hands out its copies not read, in layout order,
// each once, and each copy gets its own failure (and a failure is not
// listed as a file of its own, as if no File row named it).
func (r *reader) failedRow(key string) *File {
	rp := r.repeats.Get(key)
	if rp == nil {
		sf := r.byKey.Get(key)
		if sf == nil || sf.Read {
			return nil
		}
		return sf
	}
	for rp.failed < len(rp.rows) && rp.rows[rp.failed].Read {
		rp.failed++
	}
	if rp.failed == len(rp.rows) {
		return nil
	}
	rp.failed++
	return rp.rows[rp.failed-1]
}

// newFile makes the inventory entry of a file from its layout and tables.
func (r *reader) newFile(f *install.File) *File {
	sf := &File{File: *f}
	row, ok := r.fileRows.Lookup(f.Key)
	if ok {
		sf.Language = row.language
		if companion := r.fileRows.Has(row.version); companion && row.version != "" {
			sf.CompanionOf = row.version
		} else {
			sf.Version = row.version
		}
	}
	sf.ComponentID = r.compRows.Get(f.Component).id
	sf.Module = r.moduleOf.Get(f.Component)
	sf.MsiFileHash = r.fileHash.Get(f.Key)
	if ok {
		sf.Assembly = r.assembly.Get(f.Key)
	}
	return sf
}

// readFile hashes one file's contents and reads what they say, in one
// pass. It returns only the reader's errors, which install.Extract
// records for the file.
func (r *reader) readFile(sf *File, rd io.Reader) error {
	r.sha256.Reset()
	r.sha1.Reset()
	sink := io.MultiWriter(r.sha256, r.sha1)
	if sf.MsiFileHash != nil {
		r.md5.Reset()
		sink = io.MultiWriter(r.sha256, r.sha1, r.md5)
	}
	fw := newForward(rd, sf.Size, sink, r.buf)
	c := r.inspect(fw, sf.Size)
	if err := fw.drain(r.buf[forwardHead:]); err != nil {
		return err
	}
	sf.Read = true
	sf.SHA256, sf.SHA1 = r.sha256.Sum(nil), r.sha1.Sum(nil)
	if sf.MsiFileHash != nil {
		sf.MD5 = r.md5.Sum(nil)
		// An empty file's row of zeros (as WiX writes it) matches.
		zero := sf.Size == 0 && bytes.Equal(sf.MsiFileHash, make([]byte, md5.Size))
		sf.HashMismatch = !zero && !bytes.Equal(sf.MD5, sf.MsiFileHash)
	}
	sf.PE, sf.PEErr, sf.Nested, sf.NestedErr = c.pe, c.peErr, c.nested, c.nestedErr
	return nil
}

// contents is what inspect learns from a file's first bytes and what
// they lead to.
type contents struct {
	pe        *PE
	peErr     error
	nested    *NestedCabinet
	nestedErr error
}

// inspect reads a PE image or a cabinet directory from the forward reader
// fw of a file of size bytes; other files are left alone.
func (r *reader) inspect(fw *forward, size int64) contents {
	var c contents
	head := fw.head
	switch {
	case isPE(head):
		p, err := assembly.ReadPE(fw, size)
		if err != nil {
			c.peErr = peError(fw, err)
			return c
		}
		c.pe = convertPE(p, fw)
	case len(head) >= 4 && string(head[:4]) == "MSCF":
		cr, err := cab.NewReader(fw, size)
		if err != nil {
			c.nestedErr = peError(fw, err)
			return c
		}
		n := &NestedCabinet{}
		for _, f := range cr.Files {
			if r.budget == 0 {
				n.Truncated = true
				break
			}
			r.budget--
			n.Files = append(n.Files, CabinetFile{Name: f.Name, Size: f.Size})
		}
		c.nested = n
	}
	return c
}

// isPE reports whether a file starting with head claims to be a PE image:
// an MZ header whose e_lfanew points at "PE\0\0" (or past head, where
// the parser looks). Other files starting with "MZ" (MS-DOS programs,
// text) are not PE images.
func isPE(head []byte) bool {
	if len(head) < 64 || head[0] != 'M' || head[1] != 'Z' {
		return false
	}
	off := int64(binary.LittleEndian.Uint32(head[0x3c:]))
	if off+4 > int64(len(head)) {
		return true
	}
	return string(head[off:off+4]) == "PE\x00\x00"
}

// peError returns err, or the stream's own error when reading the stream
// failed (the file's data, not its structure, is then at fault).
func peError(fw *forward, err error) error {
	if fw.err != nil {
		return fw.err
	}
	return err
}

// convertPE turns what the assembly reader found into a PE.
func convertPE(p *assembly.PE, fw *forward) *PE {
	out := &PE{Machine: p.Machine, PE32Plus: p.PE32Plus, VersionErr: p.VersionErr, DotNetErr: p.DotNetErr}
	if fw.err != nil {
		// The stream failed: what was not read is the data's fault.
		if out.VersionErr != nil {
			out.VersionErr = fw.err
		}
		if out.DotNetErr != nil {
			out.DotNetErr = fw.err
		}
	}
	if v := p.Version; v != nil {
		out.Version = &VersionInfo{FileVersion: v.FileVersion, ProductVersion: v.ProductVersion, Languages: v.Languages}
		for _, s := range v.Strings {
			out.Version.Strings = append(out.Version.Strings, VersionString{s.Key, s.Value})
		}
	}
	if d := p.DotNet; d != nil {
		out.DotNet = &DotNetIdentity{Name: d.Name, Version: d.Version, Culture: d.Culture,
			PublicKeyToken: d.PublicKeyToken, ProcessorArchitecture: d.ProcessorArchitecture}
	}
	return out
}

// readBinaries lists the table streams that hold a PE image or a cabinet.
func (r *reader) readBinaries() error {
	if r.buf == nil {
		r.buf = make([]byte, forwardHead+2*forwardBack)
	}
	for _, st := range r.db.Streams() {
		if st.Table == "" {
			continue
		}
		if err := stopped(r.ctx); err != nil {
			return fmt.Errorf("sbom: stopped before stream %q: %w", st.Name, err)
		}
		sr, err := r.db.OpenStream(st.Name)
		if err != nil {
			r.inv.Binaries = append(r.inv.Binaries, &Binary{Table: st.Table, Name: st.Name, Size: st.Size, ReadErr: err})
			continue
		}
		hb := make([]byte, min(sr.Size(), 4096))
		if n, _ := sr.ReadAt(hb, 0); !isPE(hb[:n]) && !(n >= 4 && string(hb[:4]) == "MSCF") {
			continue
		}
		b := &Binary{Table: st.Table, Name: st.Name, Size: sr.Size()}
		h256, h1 := sha256.New(), sha1.New()
		fw := newForward(io.NewSectionReader(sr, 0, b.Size), b.Size, io.MultiWriter(h256, h1), r.buf)
		c := r.inspect(fw, b.Size)
		if err := fw.drain(r.buf[forwardHead:]); err != nil {
			b.ReadErr = err
		} else {
			b.SHA256, b.SHA1 = h256.Sum(nil), h1.Sum(nil)
		}
		b.PE, b.PEErr, b.Nested, b.NestedErr = c.pe, c.peErr, c.nested, c.nestedErr
		r.inv.Binaries = append(r.inv.Binaries, b)
	}
	return nil
}

// stopped returns nil while ctx is not done, and then why: its cause,
// matching ctx.Err() too (a cause given to a context.CancelCauseFunc need
// not wrap context.Canceled).
func stopped(ctx context.Context) error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, err) {
		return fmt.Errorf("%w (%w)", cause, err)
	}
	return context.Cause(ctx)
}

// stopReader fails once ctx is done.
type stopReader struct {
	ctx context.Context
	r   io.Reader
}

func (s *stopReader) Read(p []byte) (int, error) {
	if err := stopped(s.ctx); err != nil {
		return 0, err
	}
	return s.r.Read(p)
}

// readPackageFile hashes the package file and verifies its signature. It
// runs beside the other readers and touches only the package's hashes
// and signature.
func (r *reader) readPackageFile(opts *Options) error {
	src, size := opts.Package, opts.PackageSize
	if src == nil {
		name := r.db.Path()
		if name == "" {
			return nil
		}
		f, n, err := safefile.OpenRegular(name)
		if err != nil {
			return err
		}
		defer f.Close()
		src, size = f, n
	}
	p := &r.inv.Package
	h256, h1 := sha256.New(), sha1.New()
	var pr io.Reader = io.NewSectionReader(src, 0, size)
	if r.ctx.Done() != nil {
		pr = &stopReader{r.ctx, pr}
	}
	if _, err := io.CopyBuffer(io.MultiWriter(h256, h1), pr, make([]byte, 64<<10)); err != nil {
		if serr := stopped(r.ctx); serr != nil {
			return fmt.Errorf("sbom: stopped hashing the package file: %w", serr)
		}
		return err
	}
	p.Size, p.SHA256, p.SHA1 = size, h256.Sum(nil), h1.Sum(nil)
	if !p.Signed {
		return nil
	}
	vopts := opts.Verify
	if vopts == nil {
		vopts = &authenticode.VerifyOptions{NoChain: true}
	}
	cf, err := cfb.NewReader(src, size)
	if err != nil {
		p.SignatureErr = err
		return nil
	}
	p.Signature, p.SignatureErr = authenticode.Verify(cf, vopts)
	return nil
}
