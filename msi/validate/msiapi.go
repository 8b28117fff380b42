package validate

// This file holds every use of the msi package beyond its core reading API
// (Open, Table, Rows, Row.Get and Values, Value, Column, SummaryInfo,
// HasTable): the package kind and the category checks strict-mode edits
// share with ICE03. When msi's names change, this is the file to adapt.

import (
	"github.com/msikit/msikit/msi"
)

// pkgKind is the kind of package being validated.
type pkgKind int

const (
	kindInstaller pkgKind = iota
	kindModule
	kindPatch
	kindTransform
)

// kindOf returns the kind of db. Unknown kinds (a compound file with an
// unrecognized root CLSID that still opened as a database) are validated as
// installer databases.
func kindOf(db *msi.Database) pkgKind {
	switch db.Kind() {
	case msi.PackageMergeModule:
		return kindModule
	case msi.PackagePatch:
		return kindPatch
	case msi.PackageTransform:
		return kindTransform
	}
	return kindInstaller
}

// checkCategory checks a string value against a _Validation category with
// the same code msi's strict mode uses.
func checkCategory(cat, text string) error { return msi.CheckCategory(cat, text) }

// isIntColumn reports whether c holds integers.
func isIntColumn(c msi.Column) bool { return c.Type == msi.ColInt16 || c.Type == msi.ColInt32 }

// isBinaryColumn reports whether c holds streams.
func isBinaryColumn(c msi.Column) bool { return c.Type == msi.ColBinary }

// summaryTemplate returns the Template summary property (PID 7) and
// whether it is present as a string; pageCount the Page Count (PID 14) and
// whether it is present as a 4-byte integer. present reports whether each
// exists at all.
func summaryTemplate(si *msi.SummaryInfo) (template string, isString, present bool) {
	p, ok := si.Get(msi.PIDTemplate)
	if !ok {
		return "", false, false
	}
	return p.Str, p.Type == msi.PropString, true
}

func summaryPageCount(si *msi.SummaryInfo) (n int32, isInt32, present bool) {
	p, ok := si.Get(msi.PIDPageCount)
	if !ok {
		return 0, false, false
	}
	return p.Int, p.Type == msi.PropInt32, true
}
