package transform

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"

	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/transform/internal/edit"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

// NewPackageCode gives a database whose contents the passes changed a new
// PackageCode (summary information Revision Number) and returns the change
// as a Report of its own (Pass "package-code"). Windows Installer caches
// packages by PackageCode, so a changed package must not keep the
// original's: msiexec would take the cached original for repairs.
//
// The new code is derived from the old one and the changes the reports
// list (SHA-256, formatted as a GUID), so that rewriting the same package
// the same way gives the same output, and different changes give different
// codes. It returns a nil Report when nothing changed or the package has no
// PackageCode to renew (patches, transforms, a package without summary
// information).
func NewPackageCode(db *msi.Database, reps ...*Report) (*Report, error) {
	if !db.ContentModified() {
		return nil, nil
	}
	ph, err := newPackageCodeHash(db)
	if ph == nil || err != nil {
		return nil, err
	}
	for _, r := range reps {
		ph.add(r)
	}
	return ph.renew(db)
}

// packageCodeHash is the hash NewPackageCode derives a new PackageCode
// from, fed a report at a time, so that a caller that keeps no report
// (Audit with NoPassReports) can hash each as its pass ends.
//
// The text it hashes is written through w, a buffer in front of h: a
// rewrite of 65,000 classes hashes about 100 MB in some ten million
// cells, and each cell went through fmt or a []byte copy of its own
// before (an allocation each). The bytes h takes are the same.
type packageCodeHash struct {
	old string
	h   hash.Hash
	w   *bufio.Writer // into h
	// digests holds what the hash takes of each cell longer than
	// edit.MaxUnchangedCell (longCellDigest), by the text's identity.
	digests textmemo.Memo[string]
}

// newPackageCodeHash starts the hash of db's PackageCode, or returns nil
// when db has none to renew (patches, transforms, a package without
// summary information). The passes change neither, so it may be called
// before they run.
func newPackageCodeHash(db *msi.Database) (*packageCodeHash, error) {
	if k := db.Kind(); k != msi.PackageInstaller && k != msi.PackageMergeModule {
		return nil, nil
	}
	hasSummary := false
	for _, s := range db.Streams() {
		hasSummary = hasSummary || s.Name == msi.SummaryInfoStream
	}
	if !hasSummary {
		return nil, nil
	}
	old, err := db.PackageCode()
	if err != nil {
		return nil, fmt.Errorf("transform: new PackageCode: %w", err)
	}
	ph := newCellHash()
	ph.old = old
	ph.w.WriteString("msikit package code\x00")
	ph.w.WriteString(old)
	ph.w.WriteByte(0)
	return ph, nil
}

// newCellHash returns a packageCodeHash that has hashed nothing yet.
func newCellHash() *packageCodeHash {
	h := sha256.New()
	return &packageCodeHash{h: h, w: bufio.NewWriterSize(h, 32<<10)}
}

// sum returns the SHA-256 of all the hash was given.
func (ph *packageCodeHash) sum() []byte {
	ph.w.Flush() // into a hash.Hash, which never fails
	return ph.h.Sum(nil)
}

// add hashes what a pass changed.
func (ph *packageCodeHash) add(r *Report) {
	if r == nil {
		return
	}
	w := ph.w
	w.WriteString(r.Pass)
	w.WriteByte(0)
	// Decoded into one reused buffer: hashing allocates nothing.
	r.each(func(_ int, c *Change) bool {
		w.WriteString(string(c.Op))
		w.WriteByte(1)
		w.WriteString(c.Table)
		w.WriteByte(1)
		ph.cells(c.Key)
		w.WriteByte(1)
		ph.cells(c.Old)
		w.WriteByte(1)
		ph.cells(c.New)
		w.WriteByte(0)
		return true
	})
}

// cells hashes a row's cells joined with "\x02", each cell longer than
// edit.MaxUnchangedCell (only in hostile packages) by its digest
// (longCellDigest): 2,000 rows naming one pooled 1 MiB component hash it
// once, not 2,000 times.
func (ph *packageCodeHash) cells(row []string) {
	for i, s := range row {
		if i > 0 {
			ph.w.WriteByte(2)
		}
		if len(s) > edit.MaxUnchangedCell {
			s = ph.digests.Get(s, longCellDigest)
		}
		ph.w.WriteString(s)
	}
}

// longCellDigest returns "\x03", the length of s and its SHA-256 in hex.
func longCellDigest(s string) string {
	sum := edit.TextSHA256(s)
	return "\x03" + strconv.Itoa(len(s)) + ":" + hex.EncodeToString(sum[:])
}

// renew sets db's new PackageCode and returns the change (nil when the
// code comes out the same).
func (ph *packageCodeHash) renew(db *msi.Database) (*Report, error) {
	old := ph.old
	code := edit.GUIDFromHash(ph.sum())
	if code == old {
		return nil, nil
	}
	if _, err := db.SetPackageCode(code); err != nil {
		return nil, fmt.Errorf("transform: %w", err)
	}
	id := strconv.Itoa(int(msi.PIDRevision))
	r := &Report{Pass: "package-code", notes: &changeLog{}}
	r.AddChange(Change{
		Op: OpUpdate, Table: idt.SummaryInformationTable, Key: []string{id},
		Old: []string{id, old}, New: []string{id, code},
		Reason: "a changed package needs a new PackageCode: Windows Installer caches packages by it",
	})
	return r, nil
}
