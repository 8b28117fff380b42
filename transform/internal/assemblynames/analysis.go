package assemblynames

import "strings"

// ValueValid reports whether an MsiAssemblyName value is one the pass
// accepts for its attribute (case-insensitive name); the pass replaces the
// others. transform.Audit reports them with the same test.
func ValueValid(attr, value string, win32 bool) bool {
	return valid(strings.ToLower(attr), value, win32)
}
