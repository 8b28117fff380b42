package transform

import (
	"sort"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/darwin"
)

// A PackageIndex names the rows behind the codes a log, a registry export
// or a descriptor mentions: component codes, features, files and actions
// of one package, described with the audit's model (key paths, health
// checks). Its methods are what msikit log explain --package and msikit
// descriptor decode --package print.
type PackageIndex struct {
	m     *auditModel
	byID  map[string][]string // upper-case ComponentId -> Component keys
	media []amMedia
	cas   map[string]string // custom action -> description
	files map[string][]string
}

type amMedia struct {
	diskID, lastSequence int
	cabinet              string
}

// NewPackageIndex reads what a PackageIndex needs from db.
func NewPackageIndex(db *msi.Database) (*PackageIndex, error) {
	m, err := readAuditModel(db)
	if err != nil {
		return nil, err
	}
	x := &PackageIndex{m: m, byID: map[string][]string{}, cas: map[string]string{}, files: map[string][]string{}}
	for name, c := range m.components {
		if c.id != "" {
			k := strings.ToUpper(c.id)
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
	seq := map[string]int{}
	err = m.rows("File", func(r msi.Row) {
		key := r.Get("File").Str()
		seq[key] = int(r.Get("Sequence").Int())
		long := strings.ToLower(longName(r.Get("FileName").Str()))
		x.files[strings.ToLower(key)] = append(x.files[strings.ToLower(key)], key)
		if long != strings.ToLower(key) {
			x.files[long] = append(x.files[long], key)
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
// Component rows, features and key paths ("" when the package has none).
func (x *PackageIndex) Component(code string) string {
	g, err := darwin.NormalizeGUID(code)
	if err != nil {
		return ""
	}
	var parts []string
	for _, name := range x.byID[g] {
		c := x.m.components[name]
		feats := x.m.compFeatures[name]
		parts = append(parts, clip.Sprintf("component %s (in feature %s): key path %s", name, strings.Join(orNoneList(feats), ", "), x.m.keyPath(c).describe()))
	}
	return strings.Join(parts, "; ")
}

func orNoneList(s []string) []string {
	if len(s) == 0 {
		return []string{"none"}
	}
	return s
}

// Feature describes a feature: its parents and the components its
// health check covers ("" when the package has no such feature).
func (x *PackageIndex) Feature(name string) string {
	if x.m.features[name] == nil {
		return ""
	}
	hc := x.m.check(name)
	s := clip.Sprintf("feature %s (%s): its health check covers %d components", name, strings.Join(hc.Features, " < "), hc.Covers)
	if hc.Problem != "" {
		s += "; " + hc.Problem
	}
	return s
}

// File describes the File rows a log names by key or long file name:
// their component and the cabinet their sequence falls in.
func (x *PackageIndex) File(name string) string {
	var parts []string
	for _, key := range x.files[strings.ToLower(name)] {
		f := x.m.files[key]
		s := clip.Sprintf("File %s (%s, component %s, sequence %d)", key, f.name, f.component, x.m.fileSeq[key])
		if md := x.mediaOf(x.m.fileSeq[key]); md != nil {
			switch {
			case strings.HasPrefix(md.cabinet, "#"):
				s += clip.Sprintf(" in cabinet %s embedded in the package (Media %d)", md.cabinet[1:], md.diskID)
			case md.cabinet != "":
				s += clip.Sprintf(" in cabinet %s, a file beside the package (Media %d)", md.cabinet, md.diskID)
			default:
				s += clip.Sprintf(" uncompressed beside the package (Media %d)", md.diskID)
			}
		}
		if a := x.m.assemblies[f.component]; a != nil && !a.private {
			s += "; its component installs an assembly into the global cache: " + assemblyIdentity(a)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
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
			out = append(out, "no feature: the package's only feature is "+feature)
		} else {
			out = append(out, clip.Sprintf("no feature, and the package has %d", len(x.m.featureOrder)))
		}
	}
	if feature != "" {
		if s := x.Feature(feature); s != "" {
			out = append(out, s)
		} else {
			out = append(out, "feature "+feature+" is not in the package")
		}
	}
	comp := d.Component
	if comp == "" && feature != "" && x.m.features[feature] != nil {
		if cs := x.m.features[feature].components; len(cs) == 1 {
			comp = x.m.componentID(cs[0])
			out = append(out, "no component: the feature's only component is "+cs[0])
		} else {
			out = append(out, clip.Sprintf("no component, and feature %s holds %d", feature, len(cs)))
		}
	}
	if comp != "" {
		if s := x.Component(comp); s != "" {
			out = append(out, s)
			if feature != "" {
				in := false
				for _, name := range x.byID[strings.ToUpper(comp)] {
					in = in || x.m.inFeature(name, feature)
				}
				if !in {
					out = append(out, "the component is not in feature "+feature)
				}
			}
		} else {
			out = append(out, "no Component row has ComponentId "+comp)
		}
	}
	return out
}
