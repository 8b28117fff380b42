package mst

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/msi"
)

// Patch is an open patch package (.msp): a small database of its own
// (MsiPatchSequence, MsiPatchMetadata), cabinets, and the transforms it
// applies to its target products, stored as sub-storages in pairs: X
// turns the target into the updated product, #X adds what the installer
// needs to patch files (PatchPackage, Media, File sequences).
type Patch struct {
	db    *msi.Database
	owned bool
	info  *msi.SummaryInfo

	// PatchCode is the patch's GUID (PID 9); Obsoletes lists the patch
	// codes it obsoletes (GUIDs following it in PID 9).
	PatchCode string
	Obsoletes []string
	// Targets are the ProductCodes it applies to (PID 7).
	Targets []string
	// Transforms are the names of the transform sub-storages in the order
	// they apply (PID 8, without the ':').
	Transforms []string
	// MinInstallerVersion is PID 15: 1 for 1.0, 2 for 1.2, 3 for 2.0, 4
	// for 3.0 (5 is seen in WiX 3.5 patches).
	MinInstallerVersion int
}

// OpenPatch opens the patch file name. Close releases it.
func OpenPatch(name string) (*Patch, error) {
	db, err := msi.Open(name)
	if err != nil {
		return nil, err
	}
	p, err := NewPatch(db)
	if err != nil {
		db.Close()
		return nil, err
	}
	p.owned = true
	return p, nil
}

// NewPatch reads the patch db (a database of kind msi.PackagePatch), which
// the caller keeps open.
func NewPatch(db *msi.Database) (*Patch, error) {
	if db.Kind() != msi.PackagePatch {
		return nil, &msi.UnsupportedError{Msg: fmt.Sprintf("a %v is not a patch (its root CLSID is not %s)", db.Kind(), msi.CLSIDPatch)}
	}
	si, err := db.SummaryInfo()
	if err != nil {
		return nil, err
	}
	p := &Patch{db: db, info: si}
	guids := reGUIDs.FindAllString(si.String(msi.PIDRevision), -1)
	if len(guids) > 0 {
		p.PatchCode, p.Obsoletes = guids[0], guids[1:]
	}
	for _, s := range strings.Split(si.String(msi.PIDTemplate), ";") {
		if s = strings.TrimSpace(s); s != "" {
			p.Targets = append(p.Targets, s)
		}
	}
	// A real patch names each of its transforms once; a name repeated
	// would have every reader decode (and an installation apply) the
	// same transform again, as often as a few bytes of PID 8 repeat it.
	seen := map[string]bool{}
	for _, s := range strings.Split(si.String(msi.PIDLastAuthor), ";") {
		if s = strings.TrimPrefix(strings.TrimSpace(s), ":"); s != "" {
			if seen[s] {
				return nil, &msi.FormatError{Stream: msi.SummaryInfoStream, Offset: -1, Msg: fmt.Sprintf("PID 8 (LastSavedBy) names transform %q twice: a patch applies each of its transforms once", s)}
			}
			seen[s] = true
			p.Transforms = append(p.Transforms, s)
		}
	}
	if n, ok := si.Int(msi.PIDWordCount); ok {
		p.MinInstallerVersion = int(n)
	}
	return p, nil
}

var reGUIDs = regexp.MustCompile(`\{[0-9A-Fa-f-]{36}\}`)

// Close closes the file OpenPatch opened; for a patch from NewPatch it
// does nothing.
func (p *Patch) Close() error {
	if p.owned {
		return p.db.Close()
	}
	return nil
}

// Database returns the patch's own database.
func (p *Patch) Database() *msi.Database { return p.db }

// SummaryInfo returns the patch's summary information.
func (p *Patch) SummaryInfo() *msi.SummaryInfo { return p.info }

// Transform opens the transform sub-storage name of the patch. A name
// the patch lists (Transforms) that it does not hold is a format error of
// the patch.
func (p *Patch) Transform(name string) (*Transform, error) {
	t, err := OpenEmbedded(p.db, name)
	if errors.Is(err, fs.ErrNotExist) && slices.Contains(p.Transforms, name) {
		return nil, &msi.FormatError{Stream: msi.SummaryInfoStream, Offset: -1, Msg: fmt.Sprintf("PID 8 (LastSavedBy) names transform %q, which the patch does not hold", name), Err: err}
	}
	return t, err
}

// Rows returns the rows of one of the patch's own tables (MsiPatchMetadata,
// MsiPatchSequence) as text, in stored order, with the column names; a
// table the patch lacks gives none.
func (p *Patch) Rows(table string) (columns []string, rows [][]string, err error) {
	if !p.db.HasTable(table) {
		return nil, nil, nil
	}
	t, err := p.db.Table(table)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range t.Columns() {
		columns = append(columns, c.Name)
	}
	for r := range t.Rows() {
		vals := r.Values()
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = v.String()
		}
		rows = append(rows, row)
	}
	return columns, rows, nil
}

// PatchReport says what ApplyPatch did.
type PatchReport struct {
	// Applied are the reports of the transforms applied, in order.
	Applied []*Report
	// Skipped lists the transforms not applied, each with the reason.
	Skipped []Skipped
	// Cabinets are the cabinet streams copied from the patch into the
	// database, for the Media rows the patch adds.
	Cabinets []string
	// Notes says what the database part of a patch leaves out.
	Notes []string
}

// Skipped is a transform of a patch that was not applied.
type Skipped struct {
	Name   string
	Reason error
}

// ErrNotApplicable is matched by the error ApplyPatch returns when no
// transform of the patch applies to the database.
var ErrNotApplicable = errors.New("mst: the patch does not apply to this product")

// ApplyPatch applies the database part of patch p to db in memory: the
// first transform pair (X and #X, in the order of PID 8) whose X is made
// for db (the ProductCode in its PID 9 is db's, and its validation flags
// pass, skipping the checks in opts.Skip) is applied with Apply, then the
// cabinet streams the new Media rows name ("#name") are copied from the
// patch (but for names starting with "\x05", the property sets and
// signatures: those are noted and never copied). Pairs for other
// products are skipped and listed. A patch none of whose pairs applies
// gives an error matching ErrNotApplicable.
//
// What a patch installation does beyond the database is not done, and the
// report says so: file contents delivered as binary deltas (Patch table
// rows) are not applied to anything, and the Media and File renumbering
// an installation does when several patches are applied is not done.
// The patch must stay open until db is written.
func ApplyPatch(db *msi.Database, p *Patch, opts *ApplyOptions) (*PatchReport, error) {
	var o ApplyOptions
	if opts != nil {
		o = *opts
	}
	if len(p.Transforms) == 0 {
		return nil, errNoTransforms()
	}
	rep := &PatchReport{}
	mediaBefore, err := cabinetRefs(db)
	if err != nil {
		return nil, err
	}
	applied := false
	for i := 0; i < len(p.Transforms); i++ {
		name := p.Transforms[i]
		// The patch transform of a pair follows its transform.
		var pair []string
		if strings.HasPrefix(name, "#") {
			pair = []string{name}
		} else {
			pair = []string{name}
			if i+1 < len(p.Transforms) && strings.HasPrefix(p.Transforms[i+1], "#") {
				pair = append(pair, p.Transforms[i+1])
				i++
			}
		}
		if applied {
			for _, n := range pair {
				rep.Skipped = append(rep.Skipped, Skipped{n, errors.New("an earlier transform pair applied")})
			}
			continue
		}
		first, err := p.Transform(pair[0])
		if err != nil {
			return rep, err
		}
		if why := applicable(db, first, o.Skip); why != nil {
			for _, n := range pair {
				rep.Skipped = append(rep.Skipped, Skipped{n, why})
			}
			continue
		}
		for _, n := range pair {
			t := first
			if n != pair[0] {
				if t, err = p.Transform(n); err != nil {
					return rep, err
				}
			}
			r, err := Apply(db, t, &o)
			if err != nil {
				return rep, fmt.Errorf("mst: transform %s: %w", n, err)
			}
			rep.Applied = append(rep.Applied, r)
		}
		applied = true
	}
	if !applied {
		pc := ""
		if props, err := properties(db, "ProductCode"); err == nil {
			pc = props["ProductCode"]
		}
		return rep, fmt.Errorf("%w (ProductCode %s; the patch targets %s)", ErrNotApplicable, clip.String(pc), clip.String(strings.Join(p.Targets, ", ")))
	}

	// Cabinets of the new Media rows, embedded in the patch.
	mediaAfter, err := cabinetRefs(db)
	if err != nil {
		return rep, err
	}
	have := map[string]bool{}
	for _, s := range db.Streams() {
		have[s.Name] = true
	}
	inPatch := map[string]bool{}
	for _, s := range p.db.Streams() {
		inPatch[s.Name] = true
	}
	var cabs []string
	for cab := range mediaAfter {
		cabs = append(cabs, cab)
	}
	sort.Strings(cabs)
	for _, cab := range cabs {
		if mediaBefore[cab] || have[cab] {
			continue
		}
		if strings.HasPrefix(cab, "\x05") {
			// A property set or a signature of the patch (its own
			// \x05DigitalSignature, which a signed patch has), never a
			// cabinet: copied, it made the database look signed by the
			// patch's signature.
			rep.Notes = append(rep.Notes, fmt.Sprintf("Media row names cabinet #%s, a reserved stream name (property sets and signatures), not a cabinet: not copied from the patch", clip.String(cab)))
			continue
		}
		if !inPatch[cab] {
			rep.Notes = append(rep.Notes, fmt.Sprintf("Media row names cabinet #%s, which neither the patch nor the product holds", cab))
			continue
		}
		s, err := p.db.OpenStream(cab)
		if err != nil {
			return rep, err
		}
		if err := db.SetStream(cab, s, s.Size()); err != nil {
			return rep, err
		}
		rep.Cabinets = append(rep.Cabinets, cab)
		have[cab] = true
	}
	if n, err := rowCount(db, "Patch"); err != nil {
		return rep, err
	} else if n > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d Patch table rows deliver file contents as binary deltas, which are not applied: the files they patch keep their old contents in the product's cabinets", n))
	}
	rep.Notes = append(rep.Notes, "the database part only: no Media or File renumbering as a patch installation does for several patches")
	return rep, nil
}

// applicable reports why transform t of a patch does not apply to db, or
// nil: the ProductCode of its PID 9 must be db's, and its validation must
// pass.
func applicable(db *msi.Database, t *Transform, skip Check) error {
	s := t.Summary()
	if s.BaseProductCode != "" && skip&CheckProduct == 0 {
		props, err := properties(db, "ProductCode")
		if err != nil {
			return err
		}
		if !strings.EqualFold(props["ProductCode"], s.BaseProductCode) {
			return &ValidationError{Check: CheckProduct, Transform: s.BaseProductCode, Database: props["ProductCode"], Msg: "made for another product"}
		}
	}
	return Validate(db, s, skip)
}

// cabinetRefs returns the embedded cabinets ("#name" in Media.Cabinet)
// of db, as stream names.
func cabinetRefs(db *msi.Database) (map[string]bool, error) {
	out := map[string]bool{}
	if !db.HasTable("Media") {
		return out, nil
	}
	t, err := db.Table("Media")
	if err != nil {
		return nil, err
	}
	for r := range t.Rows() {
		if cab, ok := strings.CutPrefix(r.Get("Cabinet").Str(), "#"); ok && cab != "" {
			out[cab] = true
		}
	}
	return out, nil
}

func rowCount(db *msi.Database, table string) (int, error) {
	if !db.HasTable(table) {
		return 0, nil
	}
	t, err := db.Table(table)
	if err != nil {
		return 0, err
	}
	return t.Len(), nil
}
