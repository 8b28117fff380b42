package mst

import (
	"fmt"
	"strconv"
	"strings"
)

// ErrorConditions is a set of the conflicts a transform may meet in the
// database it is applied to (the MSITRANSFORM_ERROR_* flags). A transform
// lists the ones to suppress in the low word of its summary information's
// PID 16 (Character Count); msitran names them with the letters a to f.
type ErrorConditions uint32

// The error conditions.
const (
	AddExistingRow     ErrorConditions = 0x01 // a full row whose key the table has (msitran a)
	DeleteMissingRow   ErrorConditions = 0x02 // a delete of a key the table lacks (b)
	AddExistingTable   ErrorConditions = 0x04 // a new table the database has (c)
	DeleteMissingTable ErrorConditions = 0x08 // a drop of a table the database lacks (d)
	UpdateMissingRow   ErrorConditions = 0x10 // an update of a key the table lacks (e)
	ChangeCodepage     ErrorConditions = 0x20 // transform and database codepages differ and neither is neutral (f)

	AllErrorConditions = AddExistingRow | DeleteMissingRow | AddExistingTable | DeleteMissingTable | UpdateMissingRow | ChangeCodepage
)

var conditionNames = []flagName{
	{uint32(AddExistingRow), "add-existing-row", 'a'},
	{uint32(DeleteMissingRow), "delete-missing-row", 'b'},
	{uint32(AddExistingTable), "add-existing-table", 'c'},
	{uint32(DeleteMissingTable), "delete-missing-table", 'd'},
	{uint32(UpdateMissingRow), "update-missing-row", 'e'},
	{uint32(ChangeCodepage), "change-codepage", 'f'},
}

// String lists the conditions by name, comma-separated ("none" for the
// empty set); bits that name no condition are shown in hexadecimal.
func (c ErrorConditions) String() string { return flagString(uint32(c), conditionNames) }

// ParseErrorConditions reads a set of error conditions: names as String
// writes them, msitran's letters ("abe"), "none", "all" or a number
// ("0x1f"), in a comma-separated list.
func ParseErrorConditions(s string) (ErrorConditions, error) {
	v, err := parseFlags(s, conditionNames, uint32(AllErrorConditions), "error condition")
	return ErrorConditions(v), err
}

// Validation is a set of the checks that decide whether a transform applies
// to a database (the MSITRANSFORM_VALIDATE_* flags), kept in the high word
// of the transform's PID 16; msitran names them with letters.
type Validation uint32

// The validation flags. The version checks compare the ProductVersion of
// the database being transformed (the "installed" version) with the base
// version in the transform's PID 9, on the fields MajorVersion,
// MinorVersion or UpdateVersion select, with one of the five relations.
const (
	ValidateLanguage      Validation = 0x0001 // ProductLanguage equals the transform's base language (msitran l)
	ValidateProduct       Validation = 0x0002 // ProductCode equals the base product code (r)
	ValidatePlatform      Validation = 0x0004 // the platform equals the transform's base platform (p)
	ValidateMajorVersion  Validation = 0x0008 // compare major versions (s)
	ValidateMinorVersion  Validation = 0x0010 // compare major.minor (t)
	ValidateUpdateVersion Validation = 0x0020 // compare major.minor.update (u)
	VersionLess           Validation = 0x0040 // installed < base (v)
	VersionLessEqual      Validation = 0x0080 // installed <= base (w)
	VersionEqual          Validation = 0x0100 // installed = base (x)
	VersionGreaterEqual   Validation = 0x0200 // installed >= base (y)
	VersionGreater        Validation = 0x0400 // installed > base (z)
	ValidateUpgradeCode   Validation = 0x0800 // UpgradeCode equals the base upgrade code (g)

	versionFields    = ValidateMajorVersion | ValidateMinorVersion | ValidateUpdateVersion
	versionRelations = VersionLess | VersionLessEqual | VersionEqual | VersionGreaterEqual | VersionGreater
	AllValidation    = ValidateLanguage | ValidateProduct | ValidatePlatform | versionFields | versionRelations | ValidateUpgradeCode
)

var validationNames = []flagName{
	{uint32(ValidateLanguage), "language", 'l'},
	{uint32(ValidateProduct), "product", 'r'},
	{uint32(ValidatePlatform), "platform", 'p'},
	{uint32(ValidateMajorVersion), "major-version", 's'},
	{uint32(ValidateMinorVersion), "minor-version", 't'},
	{uint32(ValidateUpdateVersion), "update-version", 'u'},
	{uint32(VersionLess), "version-lt", 'v'},
	{uint32(VersionLessEqual), "version-le", 'w'},
	{uint32(VersionEqual), "version-eq", 'x'},
	{uint32(VersionGreaterEqual), "version-ge", 'y'},
	{uint32(VersionGreater), "version-gt", 'z'},
	{uint32(ValidateUpgradeCode), "upgrade-code", 'g'},
}

// String lists the checks by name, comma-separated ("none" for the empty
// set); bits that name no check are shown in hexadecimal.
func (v Validation) String() string { return flagString(uint32(v), validationNames) }

// ParseValidation reads a set of validation checks: names as String writes
// them, msitran's letters ("grux"), "none" or a number, comma-separated.
func ParseValidation(s string) (Validation, error) {
	v, err := parseFlags(s, validationNames, uint32(AllValidation), "validation check")
	return Validation(v), err
}

// A Check is one of the validations Apply can be told to skip
// (ApplyOptions.Skip): the version check stands for the field and
// relation flags together.
type Check uint8

// The checks.
const (
	CheckLanguage Check = 1 << iota
	CheckProduct
	CheckPlatform
	CheckVersion
	CheckUpgradeCode

	AllChecks = CheckLanguage | CheckProduct | CheckPlatform | CheckVersion | CheckUpgradeCode
)

var checkNames = []flagName{
	{uint32(CheckLanguage), "language", 0},
	{uint32(CheckProduct), "product", 0},
	{uint32(CheckPlatform), "platform", 0},
	{uint32(CheckVersion), "version", 0},
	{uint32(CheckUpgradeCode), "upgrade-code", 0},
}

// String lists the checks by name, comma-separated.
func (c Check) String() string { return flagString(uint32(c), checkNames) }

// ParseChecks reads a comma-separated list of checks (language, product,
// platform, version, upgrade-code), "none" or "all".
func ParseChecks(s string) (Check, error) {
	v, err := parseFlags(s, checkNames, uint32(AllChecks), "check")
	return Check(v), err
}

type flagName struct {
	bit    uint32
	name   string
	letter byte // msitran's letter, 0 for none
}

func flagString(v uint32, names []flagName) string {
	if v == 0 {
		return "none"
	}
	var parts []string
	for _, n := range names {
		if v&n.bit != 0 {
			parts = append(parts, n.name)
			v &^= n.bit
		}
	}
	if v != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", v))
	}
	return strings.Join(parts, ",")
}

func parseFlags(s string, names []flagName, all uint32, what string) (uint32, error) {
	var v uint32
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(strings.ToLower(item))
		switch item {
		case "":
			continue
		case "none":
			continue
		case "all":
			v |= all
			continue
		}
		if strings.HasPrefix(item, "0x") {
			n, err := strconv.ParseUint(item[2:], 16, 32)
			if err != nil || uint32(n)&^all != 0 {
				return 0, fmt.Errorf("mst: %s %q: not a number of known flags (at most 0x%x)", what, item, all)
			}
			v |= uint32(n)
			continue
		}
		found := false
		for _, n := range names {
			if n.name == item {
				v |= n.bit
				found = true
				break
			}
		}
		if found {
			continue
		}
		// msitran's letters, several in one item.
		letters := uint32(0)
		for i := 0; i < len(item); i++ {
			ok := false
			for _, n := range names {
				if n.letter != 0 && n.letter == item[i] {
					letters |= n.bit
					ok = true
					break
				}
			}
			if !ok {
				return 0, fmt.Errorf("mst: unknown %s %q (want %s)", what, item, knownNames(names))
			}
		}
		v |= letters
	}
	return v, nil
}

func knownNames(names []flagName) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n.name)
		if n.letter != 0 {
			fmt.Fprintf(&b, " (%c)", n.letter)
		}
	}
	b.WriteString(", none or all")
	return b.String()
}
