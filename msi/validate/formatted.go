package validate

import (
	"slices"
	"strings"

	"github.com/msikit/msikit/internal/textmemo"
)

// fmtRef is a [$component], [#file] or [!file] reference in a Formatted
// string.
type fmtRef struct {
	kind byte // '$', '#' or '!'
	name string
}

// formattedRefs returns the component and file references in s.
func formattedRefs(s string) []fmtRef {
	var out []fmtRef
	for i := 0; i+2 < len(s); i++ {
		if s[i] != '[' || (s[i+1] != '$' && s[i+1] != '#' && s[i+1] != '!') {
			continue
		}
		end := strings.IndexByte(s[i+2:], ']')
		if end < 0 {
			break
		}
		name := s[i+2 : i+2+end]
		if name != "" && !strings.ContainsAny(name, "[") {
			out = append(out, fmtRef{s[i+1], name})
		}
		i += 2 + end
	}
	return out
}

// maxCellRefs is the number of distinct references ICE69 checks in one
// cell. Real formatted strings hold a few (a command line naming two
// files); a pooled 64 KiB string can hold 10,000, and a package can
// reference it from 200,000 rows: checking each reference of each row
// would be 2 billion checks from 5 MB. The rest are reported as one note
// per cell.
const maxCellRefs = 64

// cellRefs are the distinct references of one formatted text, in order
// of first appearance, at most maxCellRefs; more counts those left out.
type cellRefs struct {
	refs []fmtRef
	more int
}

// distinctRefs returns the distinct references of s, computed once per
// long text (a text shared by many rows is scanned once, not per row).
func (c *checker) distinctRefs(s string) cellRefs {
	return memoOf(c.memo, s, "ice69 refs", func() cellRefs {
		var out cellRefs
		var past map[fmtRef]bool // the distinct references past the first maxCellRefs
		for _, r := range formattedRefs(s) {
			switch {
			case slices.Contains(out.refs, r):
			case len(out.refs) < maxCellRefs:
				out.refs = append(out.refs, r)
			case !past[r]:
				if past == nil {
					past = map[fmtRef]bool{}
				}
				past[r] = true
				out.more++
			}
		}
		return out
	})
}

// ice69Tables are the tables ICE69 reads and the column naming each row's
// component ("" for Verb and AppId, whose components are those of their
// extension and of the classes naming them).
var ice69Tables = []struct{ table, comp string }{
	{"IniFile", "Component_"}, {"RemoveIniFile", "Component_"}, {"Registry", "Component_"},
	{"RemoveRegistry", "Component_"}, {"ServiceControl", "Component_"}, {"ServiceInstall", "Component_"},
	{"Shortcut", "Component_"}, {"Class", "Component_"}, {"Environment", "Component_"},
	{"Extension", "Component_"}, {"Verb", ""}, {"AppId", ""},
}

// ice69: [$component], [#file] and [!file] in a row's formatted columns
// name the row's own component (or a file of it). A reference to another
// component of the same feature is a warning (it evaluates to null when
// that component is not being installed or changed), to a component of
// another feature an error. Verb and AppId rows belong to the components
// of their extension and classes; referring to any other is a warning.
func ice69(c *checker) {
	files, _ := c.ownerIndex("File", "File")
	ci := c.comps()
	// The components of each extension and of each AppId.
	owners := map[string]*textmemo.Index[[]string]{"Verb": {}, "AppId": {}}
	if t := c.table("Extension"); t != nil {
		for r := range t.Rows() {
			e := str(r, "Extension")
			owners["Verb"].Set(e, append(owners["Verb"].Get(e), str(r, "Component_")))
		}
	}
	if t := c.table("Class"); t != nil {
		for r := range t.Rows() {
			if a := str(r, "AppId_"); a != "" {
				owners["AppId"].Set(a, append(owners["AppId"].Get(a), str(r, "Component_")))
			}
		}
	}
	for _, tc := range ice69Tables {
		t := c.table(tc.table)
		if t == nil {
			continue
		}
		var cols []string
		for _, col := range t.Columns() {
			if !isIntColumn(col) && !isBinaryColumn(col) && !col.Key && !strings.HasSuffix(col.Name, "_") {
				cols = append(cols, col.Name)
			}
		}
		if len(cols) == 0 {
			continue
		}
		for r := range t.Rows() {
			var own []string
			if tc.comp != "" {
				own = []string{str(r, tc.comp)}
			} else if tc.table == "Verb" {
				own = owners["Verb"].Get(str(r, "Extension_"))
			} else {
				own = owners["AppId"].Get(str(r, "AppId"))
			}
			if len(own) == 0 {
				continue
			}
			var key []string
			for _, col := range cols {
				v := str(r, col)
				if !hasBracket(c.memo, v) {
					continue
				}
				refs := c.distinctRefs(v)
				if refs.more > 0 && !c.full(Info) {
					if key == nil {
						key = keyOf(r)
					}
					c.report(Info, tc.table, col, key, "The formatted string in column %s holds %d distinct component and file references: the first %d are checked", quote(col), len(refs.refs)+refs.more, maxCellRefs)
				}
				for _, ref := range refs.refs {
					comp := ref.name
					if ref.kind != '$' {
						var ok bool
						if comp, ok = files.Lookup(ref.name); !ok {
							continue // ICE03 and the installer report unknown files
						}
					} else if ci.by.Get(comp) == nil {
						continue
					}
					if slices.Contains(own, comp) {
						continue
					}
					sev := Error
					if tc.comp == "" || c.sameFeature(own[0], comp) {
						sev = Warning
					}
					if c.full(sev) {
						continue // counted: the message is not built
					}
					if key == nil {
						key = keyOf(r)
					}
					what := "component " + quote(ref.name)
					if ref.kind != '$' {
						what = "file " + quote(ref.name) + " which belongs to component " + quote(comp)
					}
					entry := quote(strings.Join(key, "."))
					switch {
					case tc.comp == "":
						c.report(Warning, tc.table, col, key, "Mismatched component reference. Entry %s of the %s table belongs to components %s. However, the formatted string in column %s references %s, which is none of them", entry, tc.table, quote(strings.Join(own, ", ")), quote(col), what)
					case sev == Warning:
						c.report(Warning, tc.table, col, key, "Mismatched component reference. Entry %s of the %s table belongs to component %s. However, the formatted string in column %s references %s. Components are in the same feature", entry, tc.table, quote(own[0]), quote(col), what)
					default:
						c.report(Error, tc.table, col, key, "Mismatched component reference. Entry %s of the %s table belongs to component %s. However, the formatted string in column %s references %s. Components are not in the same feature", entry, tc.table, quote(own[0]), quote(col), what)
					}
				}
			}
		}
	}
}
