package transform

import (
	"sort"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/darwin"
)

// A PackageIndex names the rows behind the codes a log, a registry export
// or a descriptor mentions: component codes, features, files and actions
// of one package, described with the audit's model (key paths, health
// checks). Its methods are what msikit log explain --package and msikit
// descriptor decode --package print. It remembers its answers, so it is
// not safe for concurrent use.
type PackageIndex struct {
	m     *auditModel
	byID  map[string][]string // upper-case ComponentId -> Component keys
	media []amMedia
	cas   map[string]string // custom action -> description
	// files holds the File keys by lower-case key and long file name
	// (a textmemo.Index: thousands of rows may name one long pooled
	// file name).
	files textmemo.Index[[]string]

	// Answers already given, by code or name: a log or a text file can
	// name one component or feature on every line (msikit log explain and
	// descriptor decode ask once per line), and a component's answer
	// costs its features and the rows sharing its ComponentId.
	compMemo map[string]string
	featMemo map[string]string
	inMemo   map[[2]string]bool // (upper-case ComponentId, feature) -> held
}

// maxListed bounds the rows an answer of a PackageIndex lists by name
// (Component rows sharing one ComponentId, the features of a component,
// File rows of one name); the rest are counted. A hostile package can
// give one ComponentId to 300,000 rows, or put a component in 40,000
// features: listed whole, each answer was megabytes.
const maxListed = 8

// listed joins at most maxListed of names (each clipped) with ", ", and
// counts the rest.
func listed(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return joinListed(len(names), ", ", "", func(i int) string { return clip.String(names[i]) })
}

// joinListed joins item(i) of the first maxListed of n items with sep,
// then counts the rest: "and N more" followed by what.
func joinListed(n int, sep, what string, item func(i int) string) string {
	var b strings.Builder
	for i := range min(n, maxListed) {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(item(i))
	}
	if n > maxListed {
		b.WriteString(sep + "and " + strconv.Itoa(n-maxListed) + " more" + what)
	}
	return b.String()
}

type amMedia struct {
	diskID, lastSequence int
	cabinet              string
}

// NewPackageIndex reads what a PackageIndex needs from db.
func NewPackageIndex(db *msi.Database) (*PackageIndex, error) {
	m, err := readAuditModel(db, nil)
	if err != nil {
		return nil, err
	}
	x := &PackageIndex{m: m, byID: map[string][]string{}, cas: map[string]string{},
		compMemo: map[string]string{}, featMemo: map[string]string{}, inMemo: map[[2]string]bool{}}
	// Case is folded once per pooled string, not once per row naming it:
	// a 64 KiB ComponentId or FileName shared by 100,000 rows would
	// otherwise be folded 100,000 times (2 s of CPU at 5 MB).
	var upper, lower textmemo.Memo[string]
	for name, c := range m.components.All() {
		if c.id != "" {
			k := upper.Get(c.id, strings.ToUpper)
			x.byID[k] = append(x.byID[k], name)
		}
	}
	for _, v := range x.byID {
		sort.Strings(v)
	}
	err = m.rows("Media", func(r msi.Row) {
		x.media = append(x.media, amMedia{diskID: int(r.Get("DiskId").Int()), lastSequence: int(r.Get("LastSequence").Int()), cabinet: r.Get("Cabinet").Str()})
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(x.media, func(i, j int) bool { return x.media[i].lastSequence < x.media[j].lastSequence })
	var seq textmemo.Index[int]         // a File key repeated in every row is one long text, hashed once
	var longNames textmemo.Memo[string] // longName of long FileName cells
	err = m.rows("File", func(r msi.Row) {
		key := r.Get("File").Str()
		seq.Set(key, int(r.Get("Sequence").Int()))
		long := lower.Get(longNames.Get(r.Get("FileName").Str(), longName), strings.ToLower)
		lkey := lower.Get(key, strings.ToLower)
		x.files.Set(lkey, append(x.files.Get(lkey), key))
		if long != lkey {
			x.files.Set(long, append(x.files.Get(long), key))
		}
	})
	if err != nil {
		return nil, err
	}
	x.m.fileSeq = seq
	err = m.rows("CustomAction", func(r msi.Row) {
		t := r.Get("Type").Int()
		x.cas[r.Get("Action").Str()] = clip.Sprintf("custom action %s: type %d (%s), source %q, target %q", r.Get("Action").Str(), t, caKind(t), r.Get("Source").Str(), clipString(r.Get("Target").Str(), 120))
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// caKind names the basic type of a custom action (the Type column's low
// bits, as the CustomAction table documents them).
func caKind(t int32) string {
	switch t & 0x3F {
	case 1:
		return "DLL in the Binary table"
	case 2:
		return "EXE in the Binary table"
	case 5, 6:
		return "script in the Binary table"
	case 17:
		return "DLL installed with the product"
	case 18:
		return "EXE installed with the product"
	case 19:
		return "error message: always fails"
	case 21, 22:
		return "script installed with the product"
	case 34:
		return "EXE in a directory"
	case 35:
		return "sets a directory"
	case 37, 38:
		return "inline script"
	case 50:
		return "EXE named by a property"
	case 51:
		return "sets a property"
	case 53, 54:
		return "script in a property"
	}
	return "type " + strconv.Itoa(int(t&0x3F))
}

func clipString(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// ProductCode returns the package's ProductCode property.
func (x *PackageIndex) ProductCode() string { return x.m.productCode }

// Component describes the components whose ComponentId is code: their
// Component rows (at most maxListed, the rest counted), features and key
// paths ("" when the package has none).
func (x *PackageIndex) Component(code string) string {
	g, err := darwin.NormalizeGUID(code)
	if err != nil {
		return ""
	}
	if s, ok := x.compMemo[g]; ok {
		return s
	}
	names := x.byID[g]
	s := joinListed(len(names), "; ", " Component rows with this ComponentId", func(i int) string {
		c := x.m.components.Get(names[i])
		return clip.Sprintf("component %s (in feature %s): key path %s", names[i], listed(x.m.featuresOf(names[i])), x.m.keyPath(c).describe())
	})
	x.compMemo[g] = s
	return s
}

// Feature describes a feature: its parents and the components its
// health check covers ("" when the package has no such feature).
func (x *PackageIndex) Feature(name string) string {
	if x.m.features.Get(name) == nil {
		return ""
	}
	if s, ok := x.featMemo[name]; ok {
		return s
	}
	hc := x.m.check(name)
	s := clip.Sprintf("feature %s (%s): its health check covers %d components", name, strings.Join(hc.Features, " < "), hc.Covers)
	if hc.Problem != "" {
		s += "; " + hc.Problem
	}
	x.featMemo[name] = s
	return s
}

// File describes the File rows a log names by key or long file name:
// their component and the cabinet their sequence falls in.
func (x *PackageIndex) File(name string) string {
	keys := x.files.Get(strings.ToLower(name))
	return joinListed(len(keys), "; ", " File rows of this name", func(i int) string {
		key := keys[i]
		f := x.m.files.Get(key)
		s := clip.Sprintf("File %s (%s, component %s, sequence %d)", key, f.name, f.component, x.m.fileSeq.Get(key))
		if md := x.mediaOf(x.m.fileSeq.Get(key)); md != nil {
			switch {
			case strings.HasPrefix(md.cabinet, "#"):
				s += clip.Sprintf(" in cabinet %s embedded in the package (Media %d)", md.cabinet[1:], md.diskID)
			case md.cabinet != "":
				s += clip.Sprintf(" in cabinet %s, a file beside the package (Media %d)", md.cabinet, md.diskID)
			default:
				s += clip.Sprintf(" uncompressed beside the package (Media %d)", md.diskID)
			}
		}
		if a := x.m.assemblies.Get(f.component); a != nil && !a.private {
			s += "; its component installs an assembly into the global cache: " + assemblyIdentity(a)
		}
		return s
	})
}

func (x *PackageIndex) mediaOf(seq int) *amMedia {
	for i := range x.media {
		if seq <= x.media[i].lastSequence {
			return &x.media[i]
		}
	}
	return nil
}

// Action describes a custom action ("" when the package has none of that
// name).
func (x *PackageIndex) Action(name string) string { return x.cas[name] }

// Descriptor says what a descriptor names in the package: whether the
// product is the package's, the feature (the only feature when the
// descriptor leaves it out) and its health check, and the component (the
// feature's only component when the descriptor leaves it out) with its
// key path.
func (x *PackageIndex) Descriptor(d darwin.Descriptor) []string {
	var out []string
	if pc := x.m.productCode; pc != "" && !strings.EqualFold(pc, d.Product) {
		out = append(out, clip.Sprintf("product %s is not this package's (%s)", d.Product, pc))
	}
	feature := d.Feature
	if feature == "" {
		if len(x.m.featureOrder) == 1 {
			feature = x.m.featureOrder[0]
			out = append(out, "no feature: the package's only feature is "+clip.String(feature))
		} else {
			out = append(out, clip.Sprintf("no feature, and the package has %d", len(x.m.featureOrder)))
		}
	}
	if feature != "" {
		if s := x.Feature(feature); s != "" {
			out = append(out, s)
		} else {
			out = append(out, "feature "+clip.String(feature)+" is not in the package")
		}
	}
	comp := d.Component
	if comp == "" && feature != "" && x.m.features.Get(feature) != nil {
		if cs := x.m.features.Get(feature).components; len(cs) == 1 {
			comp = x.m.componentID(cs[0])
			out = append(out, "no component: the feature's only component is "+clip.String(cs[0]))
		} else {
			out = append(out, clip.Sprintf("no component, and feature %s holds %d", feature, len(cs)))
		}
	}
	if comp != "" {
		if s := x.Component(comp); s != "" {
			out = append(out, s)
			if feature != "" {
				if !x.inFeature(comp, feature) {
					out = append(out, "the component is not in feature "+clip.String(feature))
				}
			}
		} else {
			out = append(out, "no Component row has ComponentId "+clip.String(comp))
		}
	}
	return out
}

// inFeature reports whether a component whose ComponentId is code is in
// feature, walking the shorter of the two lists (the rows sharing the
// ComponentId, the feature's components) once per pair.
func (x *PackageIndex) inFeature(code, feature string) bool {
	g := strings.ToUpper(code)
	k := [2]string{g, feature}
	if in, ok := x.inMemo[k]; ok {
		return in
	}
	in := false
	names := x.byID[g]
	if f := x.m.features.Get(feature); f != nil && len(f.components) < len(names) {
		for _, c := range f.components {
			if strings.EqualFold(x.m.componentID(c), g) {
				in = true
				break
			}
		}
	} else {
		for _, name := range names {
			if x.m.inFeature(name, feature) {
				in = true
				break
			}
		}
	}
	x.inMemo[k] = in
	return in
}
