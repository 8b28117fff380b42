package mst

import (
	"strings"

	"github.com/msikit/msikit/msi"
)

// Summary is what a transform's summary information says about where it
// applies and how (Microsoft's "Summary Information Stream Property Set"
// pages for transforms):
//
//   - PID 7 (Template): the platform and language of the base database,
//     "Intel;1033" (empty parts: no restriction);
//   - PID 8 (Last Saved By): the platform and language the database has
//     after the transform;
//   - PID 9 (Revision Number): "{base ProductCode}baseVersion;{new
//     ProductCode}newVersion;{UpgradeCode}";
//   - PID 14 (Page Count): the minimum installer version to process it;
//   - PID 16 (Character Count): the validation flags in the high word and
//     the error conditions to suppress in the low word.
//
// Wine's msi.dll reads the validation flags from the low word of PID 16;
// the documentation, WiX and every real transform put them in the high
// word, which is what msikit reads and writes.
type Summary struct {
	Validation Validation      // PID 16, high word
	Suppress   ErrorConditions // PID 16, low word

	BasePlatform, BaseLanguage string // PID 7
	NewPlatform, NewLanguage   string // PID 8

	BaseProductCode, BaseVersion string // PID 9, first part
	NewProductCode, NewVersion   string // PID 9, second part
	UpgradeCode                  string // PID 9, third part

	MinInstallerVersion int // PID 14
}

// ParseSummary reads the transform fields of a summary information set.
// Missing properties leave their fields empty; a transform without
// summary information (which MsiDatabaseApplyTransform accepts) has no
// validation and suppresses nothing.
func ParseSummary(si *msi.SummaryInfo) Summary {
	var s Summary
	if n, ok := si.Int(msi.PIDCharCount); ok {
		s.Validation = Validation(uint32(n) >> 16)
		s.Suppress = ErrorConditions(uint32(n) & 0xffff)
	}
	s.BasePlatform, s.BaseLanguage = splitTemplate(si.String(msi.PIDTemplate))
	s.NewPlatform, s.NewLanguage = splitTemplate(si.String(msi.PIDLastAuthor))
	parts := strings.Split(si.String(msi.PIDRevision), ";")
	if len(parts) > 0 {
		s.BaseProductCode, s.BaseVersion = splitCodeVersion(parts[0])
	}
	if len(parts) > 1 {
		s.NewProductCode, s.NewVersion = splitCodeVersion(parts[1])
	}
	if len(parts) > 2 {
		s.UpgradeCode = strings.TrimSpace(parts[2])
	}
	if n, ok := si.Int(msi.PIDPageCount); ok {
		s.MinInstallerVersion = int(n)
	}
	return s
}

// CharCount returns the PID 16 value of s: Validation in the high word,
// Suppress in the low word.
func (s Summary) CharCount() int32 {
	return int32(uint32(s.Validation)<<16 | uint32(s.Suppress)&0xffff)
}

// splitTemplate splits "Intel;1033" into platform and language.
func splitTemplate(t string) (platform, language string) {
	p, l, _ := strings.Cut(t, ";")
	return strings.TrimSpace(p), strings.TrimSpace(l)
}

// splitCodeVersion splits "{GUID}1.0.0.0" (the documentation shows a
// space between the two; real files have none) into code and version.
func splitCodeVersion(s string) (code, version string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		if i := strings.IndexByte(s, '}'); i > 0 {
			return s[:i+1], strings.TrimSpace(s[i+1:])
		}
	}
	return "", s
}
