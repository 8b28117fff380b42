package msi

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Windows Installer identifies a package by its PackageCode, the summary
// information Revision Number (PIDRevision) of an installer database or
// merge module, and caches packages by it: two different packages with one
// PackageCode make msiexec use the cached one for repairs and maintenance.
// So a write that changes what a package contains gives it a new
// PackageCode unless asked not to (WriteOptions.KeepPackageCode), derived
// from the change (see Database.PackageCode) so that output is
// reproducible.

// ContentModified reports whether the database's contents changed since it
// was read: a table, the schema, the codepage or a stream other than the
// summary information. Changing only the summary information, or
// re-encoding (WriteOptions.Compact), leaves the contents as they were.
func (db *Database) ContentModified() bool { return db.contentModified }

// PackageCode returns the summary information Revision Number, which is
// the PackageCode of installer databases and merge modules ("" when the
// package has none).
//
// A write that changes what the package contains gives it a new
// PackageCode (unless WriteOptions.KeepPackageCode is set or the caller
// chose one with SetPackageCode): SHA-256 of the old code, the table
// streams the write encodes anew and the streams set, renamed or deleted
// since the package was read (the summary information left out),
// formatted as a GUID. The same change to the same package gives the
// same code and the same bytes; a different change, a different code.
func (db *Database) PackageCode() (string, error) {
	si, err := db.SummaryInfo()
	if err != nil {
		return "", err
	}
	return si.String(PIDRevision), nil
}

// RenewPackageCode gives an installer database or merge module a new
// PackageCode: a fresh random GUID in the summary information Revision
// Number. It returns the old and the new code. It does nothing (and
// returns two empty strings) for patches and transforms, whose Revision
// Number is not a PackageCode, and for a package without summary
// information. A write after it keeps the code. Write does not call it:
// by default a write that changes the contents derives the new code from
// them instead (reproducible output); call RenewPackageCode when a random
// code is wanted.
func (db *Database) RenewPackageCode() (old, code string, err error) {
	if db.kind != PackageInstaller && db.kind != PackageMergeModule {
		return "", "", nil
	}
	if !db.hasSummaryStream() {
		return "", "", nil
	}
	code, err = newGUID()
	if err != nil {
		return "", "", fmt.Errorf("msi: new PackageCode: %w", err)
	}
	old, err = db.SetPackageCode(code)
	if err != nil {
		return "", "", err
	}
	return old, code, nil
}

// SetPackageCode sets the PackageCode (summary information Revision
// Number) to code, an upper-case GUID in braces, and returns the old one.
// A write after it keeps code (see WriteOptions.KeepPackageCode). Callers
// that want reproducible output derive code from what they changed.
func (db *Database) SetPackageCode(code string) (old string, err error) {
	if !isGUID(code) {
		return "", fmt.Errorf("msi: PackageCode %q is not an upper-case GUID in braces", code)
	}
	si, err := db.SummaryInfo()
	if err != nil {
		return "", fmt.Errorf("msi: new PackageCode: %w", err)
	}
	old = si.String(PIDRevision)
	if err := si.SetString(PIDRevision, code); err != nil {
		return "", fmt.Errorf("msi: new PackageCode: %w", err)
	}
	if err := db.SetSummaryInfo(si); err != nil {
		return "", fmt.Errorf("msi: new PackageCode: %w", err)
	}
	db.packageCodeSet = true
	return old, nil
}

// namedSource is a stream set and its name.
type namedSource struct {
	name string
	src  streamSource
}

// derivePackageCode returns the PackageCode a write with plan gives the
// package whose PackageCode is old (see the comment at the top of this
// file). db.mu is held.
func (db *Database) derivePackageCode(plan *writePlan, old string) (string, error) {
	h := sha256.New()
	// field hashes prefix+s as "<length>:<bytes>", through one buffer:
	// nothing is allocated per stream.
	var fb []byte
	field2 := func(prefix, s string) {
		fb = strconv.AppendInt(fb[:0], int64(len(prefix)+len(s)), 10)
		fb = append(fb, ':')
		fb = append(fb, prefix...)
		fb = append(fb, s...)
		h.Write(fb)
	}
	field := func(s string) { field2("", s) }
	// One buffer for every stream: io.Copy would allocate 32 KiB per
	// stream (a section reader has no WriteTo, the hash no ReadFrom),
	// 14 GB for the 450,000 one-byte binary cells of a 4 MB IDT file.
	buf := make([]byte, 32<<10)
	data := func(what, name string, r io.ReaderAt, size int64) error {
		var num [20]byte
		digits := strconv.AppendInt(num[:0], size, 10)
		fb = strconv.AppendInt(fb[:0], int64(len(digits)), 10)
		fb = append(fb, ':')
		h.Write(append(fb, digits...))
		// The bytes io.Copy of a section of r would hash: up to size,
		// stopping at io.EOF.
		for off := int64(0); off < size; {
			n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
			h.Write(buf[:n])
			off += int64(n)
			if err == io.EOF {
				break
			}
			if err == nil && n == 0 {
				err = io.ErrNoProgress
			}
			if err != nil {
				return fmt.Errorf("msi: new PackageCode: reading %s%s: %w", what, name, err)
			}
		}
		return nil
	}
	field("msikit PackageCode 1")
	field(old)
	names := make([]string, 0, len(plan.tables))
	for name := range plan.tables {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		field2("table ", name)
		if err := data("table ", name, plan.tables[name].r, plan.tables[name].size); err != nil {
			return "", err
		}
	}
	names = names[:0]
	for name := range plan.omit {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		field2("omit ", name)
	}
	// The streams set, in name order, with their sources: looking each
	// name up again after sorting costs a cache miss per stream in a
	// large map (0.2 s for 250,000).
	streams := make([]namedSource, 0, len(db.overlay))
	for name, src := range db.overlay {
		if name != SummaryInfoStream {
			streams = append(streams, namedSource{name, src})
		}
	}
	slices.SortFunc(streams, func(a, b namedSource) int { return strings.Compare(a.name, b.name) })
	plan.streams = streams // emit writes the new ones in this order
	for _, ns := range streams {
		name, src := ns.name, ns.src
		if src.deleted {
			field2("deleted ", name)
			continue
		}
		r, size := src.r, src.size
		if src.entry != nil { // a renamed stream
			s, err := src.entry.Open()
			if err != nil {
				return "", fmt.Errorf("msi: new PackageCode: stream %s: %w", name, err)
			}
			r, size = s, src.entry.Size
		}
		field2("stream ", name)
		if err := data("stream ", name, r, size); err != nil {
			return "", err
		}
	}
	return formatGUID(h.Sum(nil), 5), nil // a name-based (SHA) GUID
}

// needsPackageCode reports whether a write with o renews the PackageCode.
func (db *Database) needsPackageCode(o *WriteOptions) bool {
	return !o.KeepPackageCode && db.contentModified && !db.packageCodeSet &&
		(db.kind == PackageInstaller || db.kind == PackageMergeModule) && db.hasSummaryStream()
}

func (db *Database) hasSummaryStream() bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.hasStream(SummaryInfoStream)
}

// newGUID returns a random (version 4) GUID in the registry format
// Windows Installer uses: upper-case hex in braces.
func newGUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return formatGUID(b[:], 4), nil
}

// formatGUID returns the first 16 bytes of b as a GUID of the given
// version (4 random, 5 name-based) in the registry format: upper-case hex
// in braces.
func formatGUID(b []byte, version byte) string {
	var g [16]byte
	copy(g[:], b)
	g[6] = g[6]&0x0f | version<<4
	g[8] = g[8]&0x3f | 0x80
	return fmt.Sprintf("{%X-%X-%X-%X-%X}", g[0:4], g[4:6], g[6:8], g[8:10], g[10:16])
}
