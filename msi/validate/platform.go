package validate

import (
	"strings"
)

// minPageCount is the Page Count (minimum installer version) each 64-bit
// platform of the Template summary property needs (ICE80).
// AMD64 is the name Windows Installer 2.0 gave x64 (Microsoft's own
// msxml6_x64.msi uses it); it counts as x64.
var minPageCount = map[string]int32{"Intel64": 150, "x64": 200, "AMD64": 200, "Arm64": 500}

// ice80: the Template summary property names a 64-bit platform exactly
// when the package has 64-bit components or 64-bit scripts, the Page Count
// is high enough for it, 32-bit packages use no 64-bit folders or
// locators, components use folders of their own bitness, and Template
// lists the ProductLanguage.
func ice80(c *checker) {
	si, err := c.db.SummaryInfo()
	if err != nil {
		c.report(Error, "", "", nil, "Bad value in Summary Information Stream: %v", err)
		return
	}
	template, isString, present := summaryTemplate(si)
	if !present || !isString || template == "" {
		c.report(Error, "", "", nil, "Bad value in Summary Information Stream for Template (PID 7): it must be a non-empty string (VT_LPSTR)")
		return
	}
	platformPart, langPart, _ := strings.Cut(template, ";")
	var platform64 []string
	for _, p := range strings.Split(platformPart, ",") {
		p = strings.TrimSpace(p)
		if _, ok := minPageCount[p]; ok {
			platform64 = append(platform64, p)
		}
	}
	is64 := len(platform64) > 0
	if pc, isInt, ok := summaryPageCount(si); !ok || !isInt {
		c.report(Error, "", "", nil, "Bad value in Summary Information Stream for PageCount (PID 14): it must be a 4-byte integer (VT_I4)")
	} else {
		for _, p := range platform64 {
			if pc < minPageCount[p] {
				c.report(Error, "", "", nil, "This package is marked with %s but it has a schema less than %d (Page Count %d)", p, minPageCount[p], pc)
			}
		}
	}
	d := c.directories()
	for _, cp := range c.comps().list {
		comp64 := cp.attr&comp64Bit != 0
		if comp64 && !is64 {
			c.report(Error, "Component", "Attributes", cp.key(), "This package contains 64 bit component %s but the Template Summary Property does not contain Intel64, x64, or Arm64", quote(cp.name))
		}
		if f := d.up(cp.dir, "f32", folders32); comp64 && f != "" {
			c.report(Error, "Component", "Directory_", cp.key(), "This 64BitComponent %s uses 32BitDirectory %s (in %s)", quote(cp.name), quote(cp.dir), f)
		}
		if f := d.up(cp.dir, "f64", folders64); !comp64 && f != "" {
			c.report(Error, "Component", "Directory_", cp.key(), "This 32BitComponent %s uses 64BitDirectory %s (in %s)", quote(cp.name), quote(cp.dir), f)
		}
	}
	if t := c.table("CustomAction"); t != nil && !is64 {
		for r := range t.Rows() {
			typ, ok := num(r, "Type")
			if base := typ & caBaseTypeMask; ok && typ&ca64BitScript != 0 && (base == 5 || base == 6) {
				c.report(Error, "CustomAction", "Type", keyOf(r), "This package contains 64 bit custom action script %s but the Template Summary Property does not contain Intel64, x64, or Arm64", quote(str(r, "Action")))
			}
		}
	}
	if !is64 {
		for _, k := range d.order {
			if inSet(folders64, k) {
				c.report(Error, "Directory", "", []string{k}, "This 32Bit Package is using 64 bit property %s", k)
			}
		}
		if t := c.table("RegLocator"); t != nil {
			for r := range t.Rows() {
				if typ, ok := num(r, "Type"); ok && typ&0x10 != 0 {
					c.report(Error, "RegLocator", "Type", keyOf(r), "This 32Bit Package is using 64 bit Locator Type in RegLocator table entry %s", quote(str(r, "Signature_")))
				}
			}
		}
	}
	if lang, ok := c.property("ProductLanguage"); ok {
		listed := map[string]bool{}
		for _, l := range strings.Split(langPart, ",") {
			listed[strings.TrimSpace(l)] = true
		}
		// ProductLanguage is one LANGID; a list (as some vendor packages
		// carry) is accepted when Template lists each of its languages.
		for _, l := range strings.Split(lang, ",") {
			if !listed[strings.TrimSpace(l)] {
				c.report(Error, "Property", "Value", []string{"ProductLanguage"}, "The 'ProductLanguage' property in the Property table has a value of %s, which is not contained in the Template Summary Property %s", quote(lang), quote(template))
				break
			}
		}
	}
}

// property returns a Property table value.
func (c *checker) property(name string) (string, bool) {
	t := c.table("Property")
	if t == nil {
		return "", false
	}
	for r := range t.Rows() {
		if str(r, "Property") == name {
			return str(r, "Value"), true
		}
	}
	return "", false
}
