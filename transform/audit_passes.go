package transform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
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
// or why it cannot be written: one string for every entry point of the
// same feature and component (65,000 classes of one component share it).
//
// A feature and a component of the tables are remembered by their rows
// (descKey), one map entry per pair: a map per feature, as this kept
// before, took 400 bytes a feature, 22 MB for 54,000 shortcuts of as
// many features. The names that are in no table, rarer, are remembered by
// name (descriptorsByName).
func (m *auditModel) descriptorOf(feature, component string) (string, string) {
	ft, c := m.features.Get(feature), m.components.Get(component)
	if ft == nil || c == nil || ft.name != feature {
		return m.descriptorByName(feature, component)
	}
	k := descKey{ft, c}
	if d, ok := m.descriptors[k]; ok {
		return d[0], d[1]
	}
	d, problem := m.makeDescriptor(feature, component)
	if m.descriptors == nil {
		m.descriptors = map[descKey][2]string{}
	}
	m.descriptors[k] = [2]string{d, problem}
	return d, problem
}

// descKey is a feature and a component of the tables.
type descKey struct {
	f *amFeature
	c *amComponent
}

// descriptorByName is descriptorOf for a feature or a component that is
// in no table.
func (m *auditModel) descriptorByName(feature, component string) (string, string) {
	byComp := m.descriptorsByName.Get(feature)
	if byComp != nil {
		if d, ok := byComp.Lookup(component); ok {
			return d[0], d[1]
		}
	}
	d, problem := m.makeDescriptor(feature, component)
	if byComp == nil {
		byComp = new(textmemo.Index[[2]string])
		m.descriptorsByName.Set(feature, byComp)
	}
	byComp.Set(component, [2]string{d, problem})
	return d, problem
}

func (m *auditModel) makeDescriptor(feature, component string) (string, string) {
	if m.productCode == "" {
		return "", "no ProductCode property (a merge module's descriptors name the product it is merged into)"
	}
	c := m.components.Get(component)
	if c == nil {
		return "", clip.Sprintf("component %s is not in the Component table", component)
	}
	if c.id == "" {
		return "", clip.Sprintf("component %s has no ComponentId, so Windows Installer does not register it", component)
	}
	// Whether the product code and the feature can be encoded is checked
	// once per feature: a long feature shared by many rows is measured
	// once, and the full encoding below only sees features that fit.
	if problem := m.featureErr(feature); problem != "" {
		return "", problem
	}
	d, err := darwin.Encode(darwin.Descriptor{Product: m.productCode, Feature: feature, Component: c.id})
	if err != nil {
		return "", strings.TrimPrefix(err.Error(), "darwin: ")
	}
	return d, ""
}

// featureErr returns why darwin.Encode refuses the product code and
// feature alone ("" when it does not), written once per feature: the
// error of a 64 KiB feature was written again for each component it was
// paired with (6 MB for 87,000 classes).
func (m *auditModel) featureErr(feature string) string {
	if m.featureErrs == nil {
		m.featureErrs = map[*amFeature]string{}
	}
	ft := m.features.Get(feature)
	if ft == nil || ft.name != feature {
		ft = m.featureErrNames.Get(feature)
		if ft == nil {
			ft = &amFeature{name: feature}
			m.featureErrNames.Set(feature, ft)
		}
	}
	problem, ok := m.featureErrs[ft]
	if !ok {
		if _, err := darwin.Encode(darwin.Descriptor{Product: m.productCode, Feature: feature}); err != nil {
			problem = strings.TrimPrefix(err.Error(), "darwin: ")
		}
		m.featureErrs[ft] = problem
	}
	return problem
}

// covers is the number of components the health check of feature covers,
// -1 when the feature is not in the Feature table.
func (m *auditModel) covers(feature string) int {
	if m.features.Get(feature) == nil {
		return -1
	}
	_, _, n := m.chainOf(feature)
	return n
}

func (m *auditModel) componentID(c string) string {
	if comp := m.components.Get(c); comp != nil {
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

// auditEntryPoints lists the entry points of db in rep (rep.eps), with
// what the preview's passes do to each (fx, nil without a preview).
func auditEntryPoints(db *msi.Database, m *auditModel, fx *rewriteEffects, rep *AuditReport) error {
	a, err := classreg.Analyze(db, m.stop)
	if err != nil {
		return err
	}
	in := a.Input
	// Sized once: an entry point per row.
	w := newEPWriter(len(in.Classes) + len(in.ProgIDs) + len(in.AppIDs) + len(in.Extensions) + len(in.Verbs) + len(in.MIMEs) +
		m.count("Shortcut") + m.count("TypeLib") + m.count("PublishComponent"))
	// add appends ep, named by its kind's parts a and b (epName: made
	// when it is read, not kept for each row).
	add := func(ep *EntryPoint, a, b string) {
		if fx != nil {
			fx.effect(int32(w.l.len()), ep, rep)
		}
		w.add(ep, a, b)
	}
	newEP := func(kind, table string, key []string, feature, component string) EntryPoint {
		return EntryPoint{Kind: kind, Table: table, Key: key, Feature: feature, Component: component,
			ComponentID: m.componentID(component), Covers: m.covers(feature), CoversAfter: -1}
	}
	// A long pooled text shared by many rows (a context, an argument)
	// is clipped once, and each verb's data made once per descriptor
	// and argument, not once per row.
	var clipped textmemo.Memo[string]
	clipOnce := func(s string) string { return clipped.Get(s, clip.String) }
	type dataKey struct {
		d   string
		arg textmemo.Key
	}
	verbData := map[dataKey]string{}
	classDesc := make([]WrittenDescriptor, len(in.Classes))
	for i, c := range in.Classes {
		if m.stop.Tick() {
			return m.stop.Err()
		}
		d, problem := m.descriptorOf(c.Feature, c.Component)
		// Clipped, as every value a descriptor quotes: a long pooled
		// context shared by many classes is not copied into each.
		// The key is made when the entry point is read (epWhere): a
		// pooled CLSID and Context of a kilobyte each, shared by 100,000
		// classes, were 200 MB of keys made here.
		ctx := clipOnce(c.Context)
		classDesc[i] = WrittenDescriptor{where: epWhere{epWhereClass, clipOnce(c.CLSID), ctx}, Value: ctx, Descriptor: d, Data: d, Problem: problem}
	}
	verbDesc := make([]WrittenDescriptor, len(in.Verbs))
	for i, v := range in.Verbs {
		if m.stop.Tick() {
			return m.stop.Err()
		}
		e := a.VerbExtension(i)
		if e < 0 {
			continue
		}
		ext := in.Extensions[e]
		d, problem := m.descriptorOf(ext.Feature, ext.Component)
		// The argument is clipped: a long one shared by many verbs is
		// neither copied into each one's data nor written for each.
		arg := clipOnce(v.Argument)
		data := d
		if d != "" && arg != "" {
			if k, long := textmemo.KeyOf(v.Argument); long {
				dk := dataKey{d, k}
				if data = verbData[dk]; data == "" {
					data = d + " " + arg
					verbData[dk] = data
				}
			} else {
				data += " " + arg
			}
		}
		// The key names the ProgId clipped: a long ProgId shared by many
		// verbs is not copied into each.
		verbDesc[i] = WrittenDescriptor{Where: `HKCR\` + clip.String(ext.ProgID) + `\shell\` + clip.String(v.Verb) + `\command`, Value: "command", Descriptor: d, Args: arg, Data: data, Problem: problem}
	}
	const (
		tClass, tProgID, tAppID = classreg.TableClass, classreg.TableProgID, classreg.TableAppID
		tExt, tVerb, tMIME      = classreg.TableExtension, classreg.TableVerb, classreg.TableMIME
	)
	// classRefs holds each class's "Class [key]" once, however many
	// ProgIds (a 180,000-long ProgId_Parent chain) reach it.
	classRefs := make([]string, len(in.Classes))
	classRef := func(i int) string {
		if classRefs[i] == "" {
			classRefs[i] = rowRef("Class", a.Key(tClass, i)...)
		}
		return classRefs[i]
	}
	verbRef := func(i int) string { return rowRef("Verb", a.Key(tVerb, i)...) }
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
		if m.stop.Tick() {
			return m.stop.Err()
		}
		ep := newEP("class", tClass, a.Key(tClass, i), c.Feature, c.Component)
		ep.NotRegistered = a.Dead(tClass, i)
		ep.Registered = ep.NotRegistered == ""
		if ep.Registered {
			ep.Descriptors = classDesc[i : i+1 : i+1]
		}
		add(&ep, c.CLSID, c.Context)
	}
	for i, r := range in.ProgIDs {
		if m.stop.Tick() {
			return m.stop.Err()
		}
		feature, component := a.ProgIDFollows(i)
		ep := newEP("progid", tProgID, a.Key(tProgID, i), feature, component)
		ep.NotRegistered = a.Dead(tProgID, i)
		ep.Registered = ep.NotRegistered == ""
		if !ep.Registered {
			ep.Covers = -1
		} else if ci := a.ProgIDClass(i); ci >= 0 {
			// The one class reached: the ProgIds of a chain share the
			// class's name and descriptor (capacity-limited, so nothing
			// appended to one entry point reaches another).
			classRef(ci)
			ep.Reaches, ep.Descriptors = classRefs[ci:ci+1:ci+1], classDesc[ci:ci+1:ci+1]
		} else {
			for _, e := range a.ExtensionsByProgID(r.ProgID) {
				reachVerbs(&ep, e)
			}
		}
		add(&ep, r.ProgID, "")
	}
	for j, app := range in.AppIDs {
		if m.stop.Tick() {
			return m.stop.Err()
		}
		ep := newEP("appid", tAppID, a.Key(tAppID, j), "", "")
		ep.Covers = -1
		ep.NotRegistered = a.Dead(tAppID, j)
		ep.Registered = ep.NotRegistered == ""
		reachClasses(&ep, a.ClassesByAppID(app.AppID))
		add(&ep, app.AppID, "")
	}
	for i, e := range in.Extensions {
		if m.stop.Tick() {
			return m.stop.Err()
		}
		ep := newEP("extension", tExt, a.Key(tExt, i), e.Feature, e.Component)
		ep.NotRegistered = a.Dead(tExt, i)
		ep.Registered = ep.NotRegistered == ""
		if ep.Registered {
			reachVerbs(&ep, i)
		}
		add(&ep, e.Extension, "")
	}
	for i, v := range in.Verbs {
		if m.stop.Tick() {
			return m.stop.Err()
		}
		e := a.VerbExtension(i)
		ep := newEP("verb", tVerb, a.Key(tVerb, i), "", "")
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
			ep.Descriptors = verbDesc[i : i+1 : i+1]
		}
		add(&ep, v.Extension, v.Verb)
	}
	for i, mi := range in.MIMEs {
		if m.stop.Tick() {
			return m.stop.Err()
		}
		ep := newEP("mime", tMIME, a.Key(tMIME, i), "", "")
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
		add(&ep, mi.ContentType, "")
	}
	if err := auditOtherEntryPoints(m, add, newEP, clipOnce); err != nil {
		return err
	}
	rep.eps = w.done()
	return nil
}

// auditOtherEntryPoints appends advertised shortcuts, type libraries and
// published (qualified) components to eps.
func auditOtherEntryPoints(m *auditModel, add func(ep *EntryPoint, a, b string), newEP func(kind, table string, key []string, feature, component string) EntryPoint, clipOnce func(string) string) error {
	// The key's values are read into one buffer for all rows, and
	// their texts into another (add copies them): a slice made for
	// each was garbage at once (57 MB for 460,000 rows).
	var keyBuf []msi.Value
	keyText := make([]string, 0, 8) // not nil: a key of no cells is [] in JSON
	keyOf := func(r msi.Row) []string {
		keyBuf = r.AppendKey(keyBuf[:0])
		keyText = keyText[:0]
		for _, v := range keyBuf {
			keyText = append(keyText, v.String())
		}
		return keyText
	}
	// A shortcut's or a qualified component's one descriptor, in one
	// slice for all rows (add copies it).
	one := make([]WrittenDescriptor, 1)
	// Why a row is not registered, written once per feature or
	// component: 87,000 shortcuts naming one missing 64 KiB feature held
	// a copy each (3 MB).
	var noFeature, noComponent textmemo.Index[string]
	why := func(x *textmemo.Index[string], format, name string) string {
		if s, ok := x.Lookup(name); ok {
			return s
		}
		s := clip.Sprintf(format, name)
		x.Set(name, s)
		return s
	}
	registered := func(ep *EntryPoint) {
		switch {
		case m.features.Get(ep.Feature) == nil:
			ep.NotRegistered = why(&noFeature, "feature %s is not in the Feature table", ep.Feature)
		case m.components.Get(ep.Component) == nil:
			ep.NotRegistered = why(&noComponent, "component %s is not in the Component table", ep.Component)
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
		ep := newEP("shortcut", "Shortcut", keyOf(r), target, r.Get("Component_").Str())
		registered(&ep)
		if ep.Registered {
			d, problem := m.descriptorOf(ep.Feature, ep.Component)
			// The file's place is made when the entry point is read
			// (epWhere), and the texts clipped once: 92,000 shortcuts
			// in a directory and of a name of a kilobyte each, both
			// pooled, held 190 MB of places in the report.
			one[0] = WrittenDescriptor{where: epWhere{epWhereShortcut, clipOnce(r.Get("Directory_").Str()), clipOnce(name)}, Descriptor: d, Args: clipOnce(r.Get("Arguments").Str()), Problem: problem}
			ep.Descriptors = one
		}
		add(&ep, name, "")
	})
	if err != nil {
		return err
	}
	err = m.rows("TypeLib", func(r msi.Row) {
		ep := newEP("typelib", "TypeLib", keyOf(r), r.Get("Feature_").Str(), r.Get("Component_").Str())
		registered(&ep)
		add(&ep, r.Get("LibID").Str(), r.Get("Language").String())
	})
	if err != nil {
		return err
	}
	root := `HKCU\Software\Microsoft\Installer\Components\`
	if m.perMachine() {
		root = `HKLM\Software\Classes\Installer\Components\`
	}
	// The registry key of a category is written once for the rows of
	// that category that follow one another (the table's order, its key
	// first): 460,000 qualifiers of 4,600 categories held a copy each
	// (37 MB), each packed again.
	var lastCategory, lastWhere string
	whereOf := func(category string) string {
		if lastWhere != "" && category == lastCategory {
			return lastWhere
		}
		packed, err := darwin.PackGUID(category)
		if err != nil {
			packed = "(" + clip.String(category) + ": not a GUID)"
		}
		lastCategory, lastWhere = category, root+packed
		return lastWhere
	}
	// The data of a descriptor and a long AppData is made once for the
	// rows that share them: the report holds a record's data whole when
	// its AppData is long (epDerive), and 90,000 rows of two pooled
	// kilobyte AppData texts held 100 MB of copies.
	type dataKey struct {
		d    string
		args textmemo.Key
	}
	joined := map[dataKey]string{}
	dataOf := func(d, appData string) string {
		k, long := textmemo.KeyOf(appData)
		if !long {
			return d + appData
		}
		dk := dataKey{d, k}
		data, ok := joined[dk]
		if !ok {
			data = d + appData
			joined[dk] = data
		}
		return data
	}
	err = m.rows("PublishComponent", func(r msi.Row) {
		category, qualifier := r.Get("ComponentId").Str(), r.Get("Qualifier").Str()
		ep := newEP("qualified component", "PublishComponent", keyOf(r), r.Get("Feature_").Str(), r.Get("Component_").Str())
		registered(&ep)
		if ep.Registered {
			d, problem := m.descriptorOf(ep.Feature, ep.Component)
			appData := clipOnce(r.Get("AppData").Str())
			data := ""
			if d != "" {
				data = dataOf(d, appData)
			}
			one[0] = WrittenDescriptor{Where: whereOf(category), Value: clipOnce(qualifier), Descriptor: d, Args: appData, Data: data, Problem: problem}
			ep.Descriptors = one
		}
		add(&ep, category, qualifier)
	})
	return err
}

// rewriteEffects is what the preview's passes do to each row, for the
// entry points (rewriteEffects.effect).
type rewriteEffects struct {
	fails string                // the entry points' text when a pass fails
	rows  map[string]*rowEffect // by keys.Key
	keys  *edit.RowKeys
	text  func(parts ...string) string
}

// rowEffect is what the passes do to one row.
type rowEffect struct {
	removed string   // why class-to-registry removes it
	moved   string   // the feature leaf-features moves it to
	notes   []string // the passes' notes about it
}

// auditRewrite runs msikit rewrite's passes, with their defaults, on a
// copy of db and records what they change: the preview for the report
// (rep.Rewrite), and what they do to each row for the entry points. It
// runs before the entry points are listed, so that a pass's memory and
// theirs are not held at once. Each pass's report is read as the pass
// ends: with opts.NoPassReports or opts.PassReport it is then dropped
// (hashed for the new PackageCode first, and handed to PassReport), so
// that the preview holds one pass's report at a time.
//
// Once stop says to stop (the passes are given opts.Context), it returns
// stop's error instead of recording the stopped pass as failing.
func auditRewrite(db *msi.Database, opts AuditOptions, stop *edit.Stop, rep *AuditReport) (*rewriteEffects, error) {
	cp, err := db.Reopen()
	if err != nil {
		return nil, fmt.Errorf("transform: audit: %w", err)
	}
	defer cp.Close()
	pr := &RewritePreview{Passes: []*Report{}}
	rep.Rewrite = pr
	passes := []func() (*Report, error){
		func() (*Report, error) { return ClassToRegistry(cp, ClassToRegistryOptions{Context: opts.Context}) },
		func() (*Report, error) { return SplitAdvertised(cp, SplitAdvertisedOptions{Context: opts.Context}) },
		func() (*Report, error) {
			return AssemblyNames(cp, AssemblyNamesOptions{Source: opts.Source, AllowSigned: true, Context: opts.Context})
		},
	}
	// Thousands of entry points and notes share a few texts: each is
	// kept once.
	// The parts are joined in buf and looked up without a string of
	// their own: one is made only for a text not seen yet.
	texts := map[string]string{}
	var buf []byte
	text := func(parts ...string) string {
		buf = buf[:0]
		for _, p := range parts {
			buf = append(buf, p...)
		}
		if prev, ok := texts[string(buf)]; ok {
			return prev
		}
		t := string(buf)
		texts[t] = t
		return t
	}
	// One map entry per row of an entry point table (apply looks up no
	// other) a pass changes or notes, whatever it does to the row: the
	// leaf-features notes about 54,000 Feature rows took 13 MB here for
	// nothing.
	rows := map[string]*rowEffect{}
	keys := new(edit.RowKeys)
	row := func(table string, k []string) *rowEffect {
		key := keys.Key(table, k)
		e := rows[key]
		if e == nil {
			e = &rowEffect{}
			rows[key] = e
		}
		return e
	}
	// record stops early once stop says to stop (the caller looks).
	record := func(r *Report) {
		// Each change decoded into one reused buffer: what is kept
		// of it (row's key, a reason, a cell) is copied or a view of
		// the report, which lives as long.
		r.each(func(_ int, c *Change) bool {
			if stop.Tick() {
				return false
			}
			switch {
			case !slices.Contains(entryPointTables, c.Table):
			case c.Op == OpRemove && r.Pass == "class-to-registry":
				row(c.Table, c.Key).removed = c.Reason
			case c.Op == OpUpdate && r.Pass == "leaf-features":
				for i := range c.New {
					if i < len(c.Old) && c.Old[i] != c.New[i] {
						row(c.Table, c.Key).moved = c.New[i]
						break
					}
				}
			}
			return true
		})
		if stop.Stopped() {
			return
		}
		if r.Pass == "class-to-registry" || r.Pass == "leaf-features" {
			for _, n := range r.Notes() {
				if stop.Tick() {
					return
				}
				if len(n.Key) > 0 && slices.Contains(entryPointTables, n.Table) {
					e := row(n.Table, n.Key)
					e.notes = append(e.notes, text(r.Pass, ": ", n.Reason))
				}
			}
		}
		if r.Pass == "assembly-names" {
			rep.assemblyFixes = assemblyFixes(r)
		}
	}
	keep := !opts.NoPassReports && opts.PassReport == nil
	var code *packageCodeHash
	var codeErr error
	if !keep {
		code, codeErr = newPackageCodeHash(cp)
	}
	// hand gives a finished report to the caller's PassReport, if any.
	hand := func(r *Report) error {
		if opts.PassReport == nil {
			return nil
		}
		return opts.PassReport(r)
	}
	for _, run := range passes {
		r, err := run()
		if err != nil && stop.Stopped() {
			return nil, stop.Err()
		}
		if err != nil {
			pr.Error = strings.TrimPrefix(err.Error(), "transform: ")
			break
		}
		pr.Changes += r.NumChanges()
		if record(r); stop.Stopped() {
			return nil, stop.Err()
		}
		if keep {
			pr.Passes = append(pr.Passes, r)
		} else if code != nil {
			code.add(r)
		}
		if err := hand(r); err != nil {
			return nil, err
		}
	}
	if pr.Error == "" && cp.ContentModified() {
		var r *Report
		var err error
		switch {
		case keep:
			r, err = NewPackageCode(cp, pr.Passes...)
		case codeErr != nil:
			err = codeErr
		case code != nil:
			r, err = code.renew(cp)
		}
		if err != nil {
			pr.Error = strings.TrimPrefix(err.Error(), "transform: ")
		} else if r != nil {
			if keep {
				pr.Passes = append(pr.Passes, r)
			}
			pr.Changes += r.NumChanges()
			if err := hand(r); err != nil {
				return nil, err
			}
		}
	}
	if pr.Error != "" {
		return &rewriteEffects{fails: "msikit rewrite fails: " + pr.Error}, nil
	}
	if stop.Stopped() {
		return nil, stop.Err()
	}
	after, err := readFeatureModel(cp, stop)
	if err != nil {
		return nil, err
	}
	// The findings read the model's maps only: the copy and its tables
	// go.
	after.db = nil
	rep.after = after
	return &rewriteEffects{rows: rows, keys: keys, text: text}, nil
}

// effect says what the rewrite does to entry point i, ep, before it is
// added to the report.
func (fx *rewriteEffects) effect(i int32, ep *EntryPoint, rep *AuditReport) {
	if fx.fails != "" {
		ep.Rewrite = fx.fails
		return
	}
	text, after := fx.text, rep.after
	var untouched rowEffect
	e := fx.rows[fx.keys.Key(ep.Table, ep.Key)]
	if e == nil {
		e = &untouched
	}
	switch {
	case e.removed != "":
		ep.Rewrite = text("class-to-registry: ", e.removed, "; no descriptor is written, nothing is checked")
		ep.CoversAfter = -1
	case e.moved != "":
		ep.Rewrite = text("leaf-features: its feature becomes ", e.moved)
		ep.CoversAfter = after.covers(e.moved)
		ep.after = afterMoved
		if rep.movedTo == nil {
			rep.movedTo = map[int32]string{}
		}
		rep.movedTo[i] = e.moved
	case !ep.Registered:
	default:
		if n := e.notes; len(n) > 0 {
			ep.Rewrite = text("left as it is: ", strings.Join(n, "; "))
		} else {
			ep.Rewrite = "left as it is"
		}
		if ep.Feature != "" {
			ep.CoversAfter = after.covers(ep.Feature)
			ep.after = afterSame
		}
	}
}
