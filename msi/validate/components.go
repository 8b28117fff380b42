package validate

import "github.com/msikit/msikit/internal/textmemo"

// ownerIndex maps the keys of a table to the Component_ of each row,
// built once per table (ICE02 and ICE69 both read File's).
func (c *checker) ownerIndex(table, keyColumn string) (*textmemo.Index[string], bool) {
	t := c.table(table)
	if t == nil {
		return &textmemo.Index[string]{}, false
	}
	if m := c.owners[[2]string{table, keyColumn}]; m != nil {
		return m, true
	}
	m := &textmemo.Index[string]{}
	for r := range t.Rows() {
		k := str(r, keyColumn)
		if !m.Has(k) {
			m.Set(k, str(r, "Component_"))
		}
	}
	if c.owners == nil {
		c.owners = map[[2]string]*textmemo.Index[string]{}
	}
	c.owners[[2]string{table, keyColumn}] = m
	return m, true
}

// ice02: the KeyPath of a component names a file, registry entry or ODBC
// data source that belongs to the component (the references must be
// reciprocal for the installer to detect the component).
func ice02(c *checker) {
	comps := c.comps().list
	if len(comps) == 0 {
		return
	}
	files, _ := c.ownerIndex("File", "File")
	odbc, _ := c.ownerIndex("ODBCDataSource", "DataSource")
	// A Registry key path is looked up among the rows ICE38, ICE43 and
	// ICE57 index too (registryByID), not in an index of its own.
	regs := c.registryByID()
	for _, cp := range comps {
		var belongs, what, table string
		var ok bool
		switch cp.keyPathKind() {
		case "directory":
			continue
		case "registry":
			var r regRow
			r, ok = regs.Lookup(cp.keyPath)
			belongs = r.comp()
			what, table = "Registry", "Registry"
		case "odbc":
			belongs, ok = odbc.Lookup(cp.keyPath)
			what, table = "ODBCDataSource", "ODBCDataSource"
		default:
			belongs, ok = files.Lookup(cp.keyPath)
			what, table = "File", "File"
		}
		switch {
		case !ok:
			c.report(Error, "Component", "KeyPath", cp.key(), "%s: %s not found in %s table", what, quote(cp.keyPath), table)
		case belongs != cp.name:
			c.report(Error, "Component", "KeyPath", cp.key(), "%s: %s cannot be the key path of Component: %s. It belongs to Component: %s", what, quote(cp.keyPath), quote(cp.name), quote(belongs))
		}
	}
}

// ice08: ComponentIds are unique (GUIDs compare without regard to case).
func ice08(c *checker) {
	var first textmemo.Index[string]
	for _, cp := range c.comps().list {
		if cp.id == "" {
			continue
		}
		id := upper(c.memo, cp.id)
		if prev, ok := first.Lookup(id); ok {
			c.report(Error, "Component", "ComponentId", cp.key(), "Component %s has the same ComponentId %s as component %s", quote(cp.name), cp.id, quote(prev))
			continue
		}
		first.Set(id, cp.name)
	}
}

// ice09: components installed into SystemFolder should be permanent.
func ice09(c *checker) {
	for _, cp := range c.comps().list {
		if cp.dir == "SystemFolder" && cp.attr&compPermanent == 0 {
			c.report(Warning, "Component", "Attributes", cp.key(), "Component %s installs into SystemFolder but is not permanent (Attributes lacks msidbComponentAttributesPermanent, 16)", quote(cp.name))
		}
	}
}

// ice18: a component whose key path is its folder (KeyPath null) and that
// puts no file there lists the folder in CreateFolder, or the installer
// removes the empty folder and reinstalls the component every time.
func ice18(c *checker) {
	comps := c.comps().list
	if len(comps) == 0 {
		return
	}
	var hasFiles textmemo.Index[bool]
	if t := c.table("File"); t != nil {
		for r := range t.Rows() {
			hasFiles.Set(str(r, "Component_"), true)
		}
	}
	var texts textmemo.IDs // the pairs' texts, numbered
	// Rows of RemoveFile, DuplicateFile and MoveFile that act on a
	// component's own folder also count as files there.
	inOwnDir := map[[2]int32]bool{} // component, folder
	for _, tf := range [][2]string{{"RemoveFile", "DirProperty"}, {"DuplicateFile", "DestFolder"}, {"MoveFile", "DestFolder"}} {
		if t := c.table(tf[0]); t != nil {
			for r := range t.Rows() {
				inOwnDir[[2]int32{texts.ID(str(r, "Component_")), texts.ID(str(r, tf[1]))}] = true
			}
		}
	}
	created := map[[2]int32]bool{}
	if t := c.table("CreateFolder"); t != nil {
		for r := range t.Rows() {
			created[[2]int32{texts.ID(str(r, "Component_")), texts.ID(str(r, "Directory_"))}] = true
		}
	}
	for _, cp := range comps {
		if cp.keyPath != "" || hasFiles.Get(cp.name) {
			continue
		}
		pair := [2]int32{texts.ID(cp.name), texts.ID(cp.dir)}
		if inOwnDir[pair] {
			continue
		}
		if cp.dir != "" && !created[pair] {
			c.report(Error, "Component", "Directory_", cp.key(), "KeyPath for Component %s is Directory %s. The Directory/Component pair must be listed in the CreateFolder table", quote(cp.name), quote(cp.dir))
		}
	}
}

// ice21: every component belongs to a feature (FeatureComponents).
func ice21(c *checker) {
	fs := c.features()
	for _, cp := range c.comps().list {
		if len(fs.of(cp.name)) == 0 {
			c.report(Error, "Component", "", cp.key(), "Component %s does not belong to any Feature: no FeatureComponents row names it", quote(cp.name))
		}
	}
}
