package transform

import (
	"fmt"
	"strings"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/darwin"
	"github.com/msikit/msikit/transform/internal/assemblynames"
	"github.com/msikit/msikit/transform/internal/classreg"
	"github.com/msikit/msikit/transform/internal/edit"
)

// This file is where the audit meets the passes' internals (kept in one
// file): which Class, ProgId, AppId, Extension, Verb and MIME rows msiexec
// registers is the class-to-registry pass's decision (classreg.Analyze:
// its checks and liveness analysis), which MsiAssemblyName values are
// wrong is the assembly-names pass's (assemblynames.ValueValid), and what
// msikit rewrite would change is what the three passes do to a copy of
// the database.

// assemblyValueValid reports whether an MsiAssemblyName value is one the
// assembly-names pass accepts for its attribute (it replaces the others).
func assemblyValueValid(attr, value string, win32 bool) bool {
	return assemblynames.ValueValid(attr, value, win32)
}

// longName returns the long half of a "short|long" Filename cell.
func longName(s string) string {
	_, long := msi.SplitFileName(s)
	return long
}

// descriptorOf returns the full descriptor naming feature and component,
// or why it cannot be written.
func (m *auditModel) descriptorOf(feature, component string) (string, string) {
	if m.productCode == "" {
		return "", "no ProductCode property (a merge module's descriptors name the product it is merged into)"
	}
	c := m.components[component]
	if c == nil {
		return "", fmt.Sprintf("component %s is not in the Component table", component)
	}
	if c.id == "" {
		return "", fmt.Sprintf("component %s has no ComponentId, so Windows Installer does not register it", component)
	}
	d, err := darwin.Encode(darwin.Descriptor{Product: m.productCode, Feature: feature, Component: c.id})
	if err != nil {
		return "", strings.TrimPrefix(err.Error(), "darwin: ")
	}
	return d, ""
}

// covers is the number of components the health check of feature covers,
// -1 when the feature is not in the Feature table.
func (m *auditModel) covers(feature string) int {
	if m.features[feature] == nil {
		return -1
	}
	return m.check(feature).Covers
}

func (m *auditModel) componentID(c string) string {
	if comp := m.components[c]; comp != nil {
		return comp.id
	}
	return ""
}

// maxReach bounds the descriptors and rows an entry point lists as
// reached (a MIME row over thousands of classes of one CLSID, say); the
// rest are counted in its Reaches.
const maxReach = 16

// reach records that ep leads to row and its descriptor.
func reach(ep *EntryPoint, row string, d WrittenDescriptor) {
	switch {
	case len(ep.Reaches) < maxReach:
		ep.Reaches = append(ep.Reaches, row)
		ep.Descriptors = append(ep.Descriptors, d)
	case len(ep.Reaches) == maxReach:
		ep.Reaches = append(ep.Reaches, "and more")
	}
}

// auditEntryPoints lists the entry points of db.
func auditEntryPoints(db *msi.Database, m *auditModel) ([]EntryPoint, error) {
	a, err := classreg.Analyze(db)
	if err != nil {
		return nil, err
	}
	in := a.Input
	eps := []EntryPoint{}
	newEP := func(kind, table string, key []string, name, feature, component string) EntryPoint {
		return EntryPoint{Kind: kind, Table: table, Key: key, Name: name, Feature: feature, Component: component,
			ComponentID: m.componentID(component), Covers: m.covers(feature), CoversAfter: -1}
	}
	classDesc := make([]WrittenDescriptor, len(in.Classes))
	for i, c := range in.Classes {
		d, problem := m.descriptorOf(c.Feature, c.Component)
		classDesc[i] = WrittenDescriptor{Where: `HKCR\CLSID\` + c.CLSID + `\` + c.Context, Value: c.Context, Descriptor: d, Data: d, Problem: problem}
	}
	verbDesc := make([]WrittenDescriptor, len(in.Verbs))
	for i, v := range in.Verbs {
		e := a.VerbExtension(i)
		if e < 0 {
			continue
		}
		ext := in.Extensions[e]
		d, problem := m.descriptorOf(ext.Feature, ext.Component)
		data := d
		if d != "" && v.Argument != "" {
			data += " " + v.Argument
		}
		verbDesc[i] = WrittenDescriptor{Where: `HKCR\` + ext.ProgID + `\shell\` + v.Verb + `\command`, Value: "command", Descriptor: d, Args: v.Argument, Data: data, Problem: problem}
	}
	const (
		tClass, tProgID, tAppID = classreg.TableClass, classreg.TableProgID, classreg.TableAppID
		tExt, tVerb, tMIME      = classreg.TableExtension, classreg.TableVerb, classreg.TableMIME
	)
	classRef := func(i int) string { return "Class [" + strings.Join(a.Key(tClass, i), ", ") + "]" }
	verbRef := func(i int) string { return "Verb [" + strings.Join(a.Key(tVerb, i), ", ") + "]" }
	// reachVerbs records the registered verbs of extension row e, up to
	// what ep lists.
	reachVerbs := func(ep *EntryPoint, e int) {
		for _, v := range a.VerbsOf(e) {
			if len(ep.Reaches) > maxReach {
				return
			}
			if a.Dead(tVerb, v) == "" {
				reach(ep, verbRef(v), verbDesc[v])
			}
		}
	}
	// reachClasses records the registered classes of rows, up to what ep
	// lists, and gives ep the feature of the first when it has none.
	reachClasses := func(ep *EntryPoint, rows []int) {
		for _, ci := range rows {
			if len(ep.Reaches) > maxReach {
				return
			}
			if a.Dead(tClass, ci) != "" {
				continue
			}
			if ep.Feature == "" {
				c := in.Classes[ci]
				ep.Feature, ep.Component, ep.ComponentID, ep.Covers = c.Feature, c.Component, m.componentID(c.Component), m.covers(c.Feature)
			}
			reach(ep, classRef(ci), classDesc[ci])
		}
	}

	for i, c := range in.Classes {
		ep := newEP("class", tClass, a.Key(tClass, i), "CLSID "+c.CLSID+" "+c.Context, c.Feature, c.Component)
		ep.NotRegistered = a.Dead(tClass, i)
		ep.Registered = ep.NotRegistered == ""
		if ep.Registered {
			ep.Descriptors = []WrittenDescriptor{classDesc[i]}
		}
		eps = append(eps, ep)
	}
	for i, r := range in.ProgIDs {
		feature, component := a.ProgIDFollows(i)
		ep := newEP("progid", tProgID, a.Key(tProgID, i), r.ProgID, feature, component)
		ep.NotRegistered = a.Dead(tProgID, i)
		ep.Registered = ep.NotRegistered == ""
		if !ep.Registered {
			ep.Covers = -1
		} else if ci := a.ProgIDClass(i); ci >= 0 {
			reach(&ep, classRef(ci), classDesc[ci])
		} else {
			for _, e := range a.ExtensionsByProgID(r.ProgID) {
				reachVerbs(&ep, e)
			}
		}
		eps = append(eps, ep)
	}
	for j, app := range in.AppIDs {
		ep := newEP("appid", tAppID, a.Key(tAppID, j), "AppID "+app.AppID, "", "")
		ep.Covers = -1
		ep.NotRegistered = a.Dead(tAppID, j)
		ep.Registered = ep.NotRegistered == ""
		reachClasses(&ep, a.ClassesByAppID(app.AppID))
		eps = append(eps, ep)
	}
	for i, e := range in.Extensions {
		ep := newEP("extension", tExt, a.Key(tExt, i), "."+strings.TrimPrefix(e.Extension, "."), e.Feature, e.Component)
		ep.NotRegistered = a.Dead(tExt, i)
		ep.Registered = ep.NotRegistered == ""
		if ep.Registered {
			reachVerbs(&ep, i)
		}
		eps = append(eps, ep)
	}
	for i, v := range in.Verbs {
		e := a.VerbExtension(i)
		ep := newEP("verb", tVerb, a.Key(tVerb, i), "."+strings.TrimPrefix(v.Extension, ".")+" "+v.Verb, "", "")
		ep.Covers = -1
		ep.NotRegistered = a.Dead(tVerb, i)
		ep.Registered = ep.NotRegistered == ""
		if e >= 0 && a.Dead(tExt, e) != "" {
			ep.NotRegistered = "its extension is never registered: " + a.Dead(tExt, e)
		}
		if e >= 0 {
			ext := in.Extensions[e]
			ep.Feature, ep.Component, ep.ComponentID, ep.Covers = ext.Feature, ext.Component, m.componentID(ext.Component), m.covers(ext.Feature)
		}
		if ep.Registered {
			ep.Descriptors = []WrittenDescriptor{verbDesc[i]}
		}
		eps = append(eps, ep)
	}
	for i, mi := range in.MIMEs {
		ep := newEP("mime", tMIME, a.Key(tMIME, i), mi.ContentType, "", "")
		ep.Covers = -1
		ep.NotRegistered = a.Dead(tMIME, i)
		ep.Registered = ep.NotRegistered == ""
		if e := a.MIMEExtension(i); e >= 0 && a.Dead(tExt, e) == "" {
			ext := in.Extensions[e]
			ep.Feature, ep.Component, ep.ComponentID, ep.Covers = ext.Feature, ext.Component, m.componentID(ext.Component), m.covers(ext.Feature)
			reachVerbs(&ep, e)
		}
		if mi.CLSID != "" {
			reachClasses(&ep, a.ClassesByCLSID(mi.CLSID))
		}
		eps = append(eps, ep)
	}
	more, err := auditOtherEntryPoints(m, newEP)
	if err != nil {
		return nil, err
	}
	return append(eps, more...), nil
}

// auditOtherEntryPoints lists advertised shortcuts, type libraries and
// published (qualified) components.
func auditOtherEntryPoints(m *auditModel, newEP func(kind, table string, key []string, name, feature, component string) EntryPoint) ([]EntryPoint, error) {
	var eps []EntryPoint
	keyOf := func(r msi.Row) []string { return edit.ValuesText(r.Key()) }
	registered := func(ep *EntryPoint) {
		switch {
		case m.features[ep.Feature] == nil:
			ep.NotRegistered = fmt.Sprintf("feature %s is not in the Feature table", ep.Feature)
		case m.components[ep.Component] == nil:
			ep.NotRegistered = fmt.Sprintf("component %s is not in the Component table", ep.Component)
		default:
			ep.Registered = true
		}
	}
	err := m.rows("Shortcut", func(r msi.Row) {
		target := r.Get("Target").Str()
		if strings.Contains(target, "[") {
			return // a formatted target: not advertised
		}
		name := longName(r.Get("Name").Str())
		ep := newEP("shortcut", "Shortcut", keyOf(r), name, target, r.Get("Component_").Str())
		registered(&ep)
		if ep.Registered {
			d, problem := m.descriptorOf(ep.Feature, ep.Component)
			ep.Descriptors = []WrittenDescriptor{{Where: r.Get("Directory_").Str() + `\` + name + ".lnk (DarwinDataBlock)", Descriptor: d, Args: r.Get("Arguments").Str(), Problem: problem}}
		}
		eps = append(eps, ep)
	})
	if err != nil {
		return nil, err
	}
	err = m.rows("TypeLib", func(r msi.Row) {
		ep := newEP("typelib", "TypeLib", keyOf(r), "TypeLib "+r.Get("LibID").Str()+" language "+r.Get("Language").String(), r.Get("Feature_").Str(), r.Get("Component_").Str())
		registered(&ep)
		eps = append(eps, ep)
	})
	if err != nil {
		return nil, err
	}
	err = m.rows("PublishComponent", func(r msi.Row) {
		category, qualifier := r.Get("ComponentId").Str(), r.Get("Qualifier").Str()
		ep := newEP("qualified component", "PublishComponent", keyOf(r), "category "+category+" qualifier "+qualifier, r.Get("Feature_").Str(), r.Get("Component_").Str())
		registered(&ep)
		if ep.Registered {
			root := `HKCU\Software\Microsoft\Installer\Components\`
			if m.perMachine() {
				root = `HKLM\Software\Classes\Installer\Components\`
			}
			packed, err := darwin.PackGUID(category)
			if err != nil {
				packed = "(" + category + ": not a GUID)"
			}
			d, problem := m.descriptorOf(ep.Feature, ep.Component)
			appData := r.Get("AppData").Str()
			data := ""
			if d != "" {
				data = d + appData
			}
			ep.Descriptors = []WrittenDescriptor{{Where: root + packed, Value: qualifier, Descriptor: d, Args: appData, Data: data, Problem: problem}}
		}
		eps = append(eps, ep)
	})
	if err != nil {
		return nil, err
	}
	return eps, nil
}

// auditRewrite runs msikit rewrite's passes, with their defaults, on a
// copy of db and records what they change, for the report and for each
// entry point.
func auditRewrite(db *msi.Database, opts AuditOptions, rep *AuditReport) error {
	cp, err := db.Reopen()
	if err != nil {
		return fmt.Errorf("transform: audit: %w", err)
	}
	defer cp.Close()
	pr := &RewritePreview{Passes: []*Report{}}
	rep.Rewrite = pr
	passes := []func() (*Report, error){
		func() (*Report, error) { return ClassToRegistry(cp, ClassToRegistryOptions{}) },
		func() (*Report, error) { return SplitAdvertised(cp, SplitAdvertisedOptions{}) },
		func() (*Report, error) {
			return AssemblyNames(cp, AssemblyNamesOptions{Source: opts.Source, AllowSigned: true})
		},
	}
	for _, run := range passes {
		r, err := run()
		if err != nil {
			pr.Error = strings.TrimPrefix(err.Error(), "transform: ")
			break
		}
		pr.Passes = append(pr.Passes, r)
		pr.Changes += len(r.Changes)
	}
	if pr.Error == "" && cp.ContentModified() {
		if r, err := NewPackageCode(cp, pr.Passes...); err != nil {
			pr.Error = strings.TrimPrefix(err.Error(), "transform: ")
		} else if r != nil {
			pr.Passes = append(pr.Passes, r)
			pr.Changes += len(r.Changes)
		}
	}
	if pr.Error != "" {
		for i := range rep.EntryPoints {
			rep.EntryPoints[i].Rewrite = "msikit rewrite fails: " + pr.Error
		}
		return nil
	}
	after, err := readAuditModel(cp)
	if err != nil {
		return err
	}
	rep.after = after
	key := func(table string, k []string) string { return table + "\x00" + strings.Join(k, "\x00") }
	removed := map[string]string{}
	moved := map[string]string{}
	notes := map[string][]string{}
	for _, r := range pr.Passes {
		for _, c := range r.Changes {
			switch {
			case c.Op == OpRemove && r.Pass == "class-to-registry":
				removed[key(c.Table, c.Key)] = c.Reason
			case c.Op == OpUpdate && r.Pass == "leaf-features":
				for i := range c.New {
					if i < len(c.Old) && c.Old[i] != c.New[i] {
						moved[key(c.Table, c.Key)] = c.New[i]
						break
					}
				}
			}
		}
		if r.Pass == "class-to-registry" || r.Pass == "leaf-features" {
			for _, n := range r.Notes {
				if n.Table != "" && len(n.Key) > 0 {
					k := key(n.Table, n.Key)
					notes[k] = append(notes[k], r.Pass+": "+n.Reason)
				}
			}
		}
	}
	for i := range rep.EntryPoints {
		ep := &rep.EntryPoints[i]
		k := key(ep.Table, ep.Key)
		switch {
		case removed[k] != "":
			ep.Rewrite = "class-to-registry: " + removed[k] + "; no descriptor is written, nothing is checked"
			ep.CoversAfter = -1
		case moved[k] != "":
			ep.Rewrite = "leaf-features: its feature becomes " + moved[k]
			ep.CoversAfter = after.covers(moved[k])
			ep.featureAfter = moved[k]
		case !ep.Registered:
		default:
			if n := notes[k]; len(n) > 0 {
				ep.Rewrite = "left as it is: " + strings.Join(n, "; ")
			} else {
				ep.Rewrite = "left as it is"
			}
			if ep.Feature != "" {
				ep.CoversAfter = after.covers(ep.Feature)
				ep.featureAfter = ep.Feature
			}
		}
	}
	return nil
}
