package msi

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/msikit/msikit/internal/clip"
)

// isGUID reports whether s is an upper-case GUID in braces,
// {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}. It and isVersion are written out
// rather than regular expressions, which every command would compile at
// start-up.
func isGUID(s string) bool {
	if len(s) != 38 || s[0] != '{' || s[37] != '}' {
		return false
	}
	for i := 1; i < 37; i++ {
		c := s[i]
		switch i {
		case 9, 14, 19, 24:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// isVersion reports whether s is a Version: one to four fields of one to
// five decimal digits, separated by periods.
func isVersion(s string) bool {
	fields, digits := 1, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
			if digits > 5 {
				return false
			}
		case c == '.' && digits > 0 && fields < 4:
			fields++
			digits = 0
		default:
			return false
		}
	}
	return digits > 0
}

// isIdentifier reports whether s is an Identifier: a letter or underscore,
// then letters, digits, underscores and periods. It is written out rather
// than a regular expression because ICE03 checks every key of a package.
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		case i > 0 && (c == '.' || c >= '0' && c <= '9'):
		default:
			return false
		}
	}
	return true
}

// CheckCategory checks text against a _Validation table category (the
// "Column Data Types" of the Windows Installer documentation), as
// strict-mode edits (SetStrict) and ICE03 validation do. It checks
// Identifier, Guid (upper-case, braced), UpperCase, LowerCase, Integer and
// DoubleInteger (as text), Version, Property, Language, Filename,
// WildCardFilename, DefaultDir, Cabinet, Condition (syntax only),
// Formatted, KeyFormatted, RegPath and Shortcut (a Feature identifier, or
// Formatted text when it holds a "["). Other categories (Text, Template,
// Binary, CustomSource, AnyPath, Paths, Path, FormattedSDDLText, URL and
// unknown names) accept any text: a false refusal would be worse than a
// missed one. The error says why text does not fit.
func CheckCategory(cat, text string) error {
	switch cat {
	case "Identifier":
		if !isIdentifier(text) {
			return fmt.Errorf("%q is not an Identifier", clip.String(text))
		}
	case "Guid":
		if !isGUID(text) {
			return fmt.Errorf("%q is not an upper-case braced GUID", clip.String(text))
		}
	case "UpperCase":
		if strings.ToUpper(text) != text {
			return fmt.Errorf("%q is not UpperCase", clip.String(text))
		}
	case "LowerCase":
		if strings.ToLower(text) != text {
			return fmt.Errorf("%q is not LowerCase", clip.String(text))
		}
	case "Integer", "DoubleInteger":
		// The width is the column's (checked by the schema): WiX's own
		// tables put 32-bit values in columns it categorises Integer.
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || n < -math.MaxInt32 || n > math.MaxInt32 {
			return fmt.Errorf("%q is not a valid %s", clip.String(text), cat)
		}
	case "Version":
		if !isVersion(text) {
			return fmt.Errorf("%q is not a Version", clip.String(text))
		}
	case "Shortcut":
		// The Shortcut table's Target: a Feature key (an advertised
		// shortcut) or, when it holds a "[", a Formatted string.
		if strings.Contains(text, "[") {
			return checkFormatted(text)
		}
		if !isIdentifier(text) {
			return fmt.Errorf("%q is not a Shortcut target: neither a Feature identifier nor Formatted text", clip.String(text))
		}
	case "Property":
		if !isIdentifier(strings.TrimPrefix(text, "%")) {
			return fmt.Errorf("%q is not a Property name", clip.String(text))
		}
	case "Language":
		for _, l := range strings.Split(text, ",") {
			if n, err := strconv.ParseUint(l, 10, 16); err != nil || n > 0xFFFF {
				return fmt.Errorf("%q is not a comma-separated list of language ids", clip.String(text))
			}
		}
	case "Filename":
		return checkFilename(text, false)
	case "WildCardFilename":
		return checkFilename(text, true)
	case "DefaultDir":
		// [target:]source, each a Filename or ".".
		parts := strings.Split(text, ":")
		if len(parts) > 2 {
			return fmt.Errorf("%q is not a DefaultDir: more than one colon", clip.String(text))
		}
		for _, p := range parts {
			if p == "." {
				continue
			}
			if err := checkFilename(p, false); err != nil {
				return fmt.Errorf("%q is not a DefaultDir: %w", clip.String(text), err)
			}
		}
	case "Cabinet":
		if name, ok := strings.CutPrefix(text, "#"); ok {
			if name == "" {
				return fmt.Errorf("%q is not a Cabinet: no stream name after #", clip.String(text))
			}
			return nil
		}
		if text == "" || strings.ContainsAny(text, `\/:*?"<>|`) {
			return fmt.Errorf("%q is not a Cabinet file name", clip.String(text))
		}
	case "Condition":
		return checkCondition(text)
	case "Formatted", "KeyFormatted":
		return checkFormatted(text)
	case "RegPath":
		if strings.HasPrefix(text, `\`) {
			return fmt.Errorf("%q is not a RegPath: it starts with a backslash", clip.String(text))
		}
		return checkFormatted(text)
	}
	return nil
}

// SplitFileName splits a Filename cell "short|long" into its two names;
// a lone name is both.
func SplitFileName(v string) (short, long string) {
	if s, l, ok := strings.Cut(v, "|"); ok {
		return s, l
	}
	return v, v
}

// checkFilename checks the Filename data type: a short (8.3) name,
// optionally followed by "|" and a long name. Both exclude \ / ? | > < : *
// and "; the short name also + , ; = [ ] and spaces. wild allows ? and *
// (WildCardFilename). A lone name may also be a long name: the
// documentation asks for a short name always, but packages that install
// fine carry lone long names ("Test File.txt").
func checkFilename(text string, wild bool) error {
	short, long, hasLong := strings.Cut(text, "|")
	bad := `\/?|><:*"`
	if wild {
		bad = `\/|><:"`
	}
	if !hasLong && short != "" && !strings.ContainsAny(short, bad) {
		return nil
	}
	if short == "" || strings.ContainsAny(short, bad+"+,;=[] ") {
		return fmt.Errorf("%q is not a Filename: bad short name %q", clip.String(text), clip.String(short))
	}
	name, ext, hasExt := strings.Cut(short, ".")
	if len(name) > 8 || len(ext) > 3 || hasExt && strings.Contains(ext, ".") {
		return fmt.Errorf("%q is not a Filename: short name %q is not 8.3", clip.String(text), clip.String(short))
	}
	if hasLong && (long == "" || strings.ContainsAny(long, bad)) {
		return fmt.Errorf("%q is not a Filename: bad long name %q", clip.String(text), clip.String(long))
	}
	return nil
}

// checkFormatted checks that the brackets of a Formatted string pair up:
// every "[" is closed (properties may nest: "[[P]]") and "[\x]" escapes one
// character. Braces are not checked: "{" and "}" are literal text when they
// do not pair up.
func checkFormatted(text string) error {
	depth := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '[':
			if i+3 < len(text) && text[i+1] == '\\' && text[i+3] == ']' {
				i += 3 // [\x]
				continue
			}
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		}
	}
	if depth != 0 {
		return fmt.Errorf("%q is not Formatted: %d unclosed [", clip.String(text), depth)
	}
	return nil
}
