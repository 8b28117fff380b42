package assemblynames

import "strings"

// ValueValid reports whether an MsiAssemblyName value is one the pass
// accepts for its attribute (case-insensitive name); the pass replaces the
// others. transform.Audit reports them with the same test.
func ValueValid(attr, value string, win32 bool) bool {
	if len(attr) > maxCheckedAttr {
		// No attribute valid checks has so long a name: it asks for a
		// value, and a long pooled name is not folded for each row.
		return value != ""
	}
	return valid(strings.ToLower(attr), value, win32)
}

// maxCheckedAttr is the length of the longest attribute name valid
// checks beyond asking for a value ("processorArchitecture"). No longer
// name folds to one of them: the only letter that folds to ASCII from
// more bytes is the Kelvin sign (k), and "publicKeyToken" written with
// two of them is 18 bytes.
const maxCheckedAttr = len("processorArchitecture")
