package validate

import "strings"

// A Rule is one ICE (Internal Consistency Evaluator) msikit implements.
type Rule struct {
	ICE     string // "ICE03", "ICEM05"
	Summary string // what it checks, in a line
	URL     string // its page in the Windows Installer documentation
	// Installers and MergeModules tell which packages it runs on.
	Installers, MergeModules bool
}

// ruleEntry is a Rule and the function that runs it.
type ruleEntry struct {
	Rule
	run func(*checker)
}

// docURL returns the documentation page of an ICE or ICEM.
func docURL(ice string) string {
	name := strings.ToLower(ice)
	if len(name) == 6 && strings.HasPrefix(name, "ice1") { // ICE100 and later: "ice-100"
		name = "ice-" + name[3:]
	}
	return "https://learn.microsoft.com/en-us/windows/win32/msi/" + name
}

func rule(ice string, installers, modules bool, summary string, run func(*checker)) ruleEntry {
	return ruleEntry{Rule{ICE: ice, Summary: summary, URL: docURL(ice), Installers: installers, MergeModules: modules}, run}
}

// registry is the table of rules, in the order Validate runs and lists
// them. Adding a rule is adding a line here (and to the README's coverage
// table, which a test compares with this one).
var registry = []ruleEntry{
	rule("ICE02", true, true, "a component's KeyPath file, registry entry or ODBC data source belongs to that component", ice02),
	rule("ICE03", true, true, "every value against the _Validation table: nulls, ranges, sets, categories, foreign keys (KeyTable/KeyColumn), lengths, duplicate keys", ice03),
	rule("ICE08", true, true, "no two components share a ComponentId", ice08),
	rule("ICE09", true, true, "components installed into SystemFolder are permanent", ice09),
	rule("ICE18", true, true, "a folder used as a component's key path is listed in CreateFolder", ice18),
	rule("ICE19", true, true, "advertised components and shortcuts have a ComponentId and a key path advertising can use", ice19),
	rule("ICE21", true, false, "every component belongs to a feature", ice21),
	rule("ICE30", true, true, "no two components install a file of the same name into the same folder (short and long names)", ice30),
	rule("ICE33", true, true, "Registry rows that register classes, ProgIds, extensions, verbs, AppIds, MIME types or type libraries (warnings; see the policy)", ice33),
	rule("ICE38", true, true, "components in a user profile use an HKCU registry key as key path", ice38),
	rule("ICE43", true, true, "components with non-advertised shortcuts in a user profile use an HKCU registry key as key path", ice43),
	rule("ICE57", true, true, "no component mixes per-user and per-machine data", ice57),
	rule("ICE59", true, false, "an advertised shortcut's component is installed by the feature it advertises", ice59),
	rule("ICE64", true, true, "new folders in a user profile are listed in RemoveFile", ice64),
	rule("ICE69", true, true, "[$component], [#file] and [!file] references in formatted columns stay within the row's component (or its feature)", ice69),
	rule("ICE77", true, false, "in-script custom actions run between InstallInitialize and InstallFinalize", ice77),
	rule("ICE80", true, true, "the Template summary property and Page Count agree with 64-bit components, scripts, folders and locators, and list ProductLanguage", ice80),
	rule("ICE82", true, false, "InstallExecuteSequence has all or none of the four registration actions; no two actions share a sequence number", ice82),
	rule("ICE90", true, true, "a shortcut's folder in a user profile is not a public property", ice90),
	rule("ICE91", true, true, "files, .ini files and shortcuts installed into per-user-only folders (warnings)", ice91),
	rule("ICE99", true, true, "no Directory key is the name of a Windows Installer property", ice99),
	rule("ICEM02", false, true, "module dependencies and exclusions are the module's own, and never the module itself", icem02),
	rule("ICEM04", false, true, "FeatureComponents and the sequence tables matching the Module*Sequence tables exist and are empty", icem04),
	rule("ICEM05", false, true, "ModuleComponents and Component list the same components, all of this module", icem05),
	rule("ICEM06", false, true, "a module references features only through the null GUID", icem06),
	rule("ICEM08", false, true, "a module does not exclude a module it depends on", icem08),
	rule("ICEM09", false, true, "module components do not install directly into predefined folders (warnings)", icem09),
	rule("ICEM10", false, true, "a module's Property table has no product properties", icem10),
	rule("ICEM12", false, true, "Module*Sequence rows: standard actions by Sequence, custom actions by BaseAction and After", icem12),
}

// Rules returns the rules Validate implements, in the order it runs them.
func Rules() []Rule {
	out := make([]Rule, len(registry))
	for i, r := range registry {
		out[i] = r.Rule
	}
	return out
}
