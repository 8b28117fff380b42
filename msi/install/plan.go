package install

import (
	"iter"

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
	var want map[string]bool
	if len(p.opts.Keys) > 0 {
		want = make(map[string]bool, len(p.opts.Keys))
		for _, k := range p.opts.Keys {
			want[k] = true
		}
	}
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
