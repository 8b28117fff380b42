package install

import (
	"iter"
	"maps"
	"slices"

	"github.com/msikit/msikit/msi"
)

// A Plan is a package's File rows resolved to their places once (the
// Directory tree, components, Media rows), for Files and for
// ExtractContext: a caller that lists the files and then extracts them
// (msi/sbom does) resolves the tree once rather than twice, which for a
// package of a few megabytes holding hundreds of thousands of Directory
// rows is tens of megabytes and a tenth of a second. A Plan does not
// change once made: its methods may be called any number of times, also
// at once.
type Plan struct {
	db   *msi.Database
	opts Options
	lay  *layout
}

// NewPlan resolves the File rows of db as Files and ExtractContext do,
// with opts (nil means the zero Options; it is copied): its Layout is
// applied now, its other fields when the methods use them. The error is
// non-nil only when a needed table cannot be read.
func NewPlan(db *msi.Database, opts *Options) (*Plan, error) {
	p := &Plan{db: db}
	if opts != nil {
		p.opts = *opts
	}
	lay, err := newLayout(db, p.opts.Layout)
	if err != nil {
		return nil, err
	}
	p.lay = lay
	return p, nil
}

// Files returns an iterator over the files p resolved, as the package's
// Files does: every row in File table order, or only the rows
// Options.Keys names.
func (p *Plan) Files() iter.Seq[*File] {
	lay := p.lay
	want := p.wantKeys()
	return func(yield func(*File) bool) {
		for i := range lay.files {
			if want == nil || want[lay.files[i].key] {
				f := lay.installFile(i)
				if !yield(&f) {
					return
				}
			}
		}
	}
}

// wantKeys is the set of Options.Keys, nil for every file.
func (p *Plan) wantKeys() map[string]bool {
	if len(p.opts.Keys) == 0 {
		return nil
	}
	want := make(map[string]bool, len(p.opts.Keys))
	for _, k := range p.opts.Keys {
		want[k] = true
	}
	return want
}

// MissingKeys returns the keys of Options.Keys that no File row has,
// sorted, each once (ExtractContext reports each as a FileError). Only
// the File keys as long as a key asked for are compared: a crafted
// package's rows can all name one pooled key of megabytes.
func (p *Plan) MissingKeys() []string {
	want := p.wantKeys()
	lens := map[int]bool{}
	for k := range want {
		lens[len(k)] = true
	}
	for i := range p.lay.files {
		if k := p.lay.files[i].key; lens[len(k)] {
			delete(want, k)
		}
	}
	return slices.Sorted(maps.Keys(want))
}

// Warnings describes the files Files yields with a Path that is not their
// install path (Placement), in the words and order of the Report.Warnings
// of an extraction that writes all of them: one line per folder of files
// placed below a Directory id or component, then one per file placed
// beside a duplicate or a folder. It is what a listing of the files says
// alongside them; nil when every file is at its install path.
func (p *Plan) Warnings() []string {
	var pl placements
	want := p.wantKeys()
	for i := range p.lay.files {
		if f := &p.lay.files[i]; f.err == nil && (want == nil || want[f.key]) {
			pl.add(p.lay, i)
		}
	}
	return pl.warnings(p.lay)
}
