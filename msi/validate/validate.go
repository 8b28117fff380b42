package validate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/msi"
)

// Severity is how serious a finding is, as ICE output grades it.
type Severity uint8

// The severities, least serious first.
const (
	Info    Severity = iota + 1 // a note: nothing wrong, something not checked
	Warning                     // suspect authoring that may still install
	Error                       // a package Windows Installer authors must fix
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// MarshalText encodes s as its String.
func (s Severity) MarshalText() ([]byte, error) {
	switch s {
	case Info, Warning, Error:
		return []byte(s.String()), nil
	}
	return nil, fmt.Errorf("validate: invalid severity %d", uint8(s))
}

// UnmarshalText decodes "info", "warning" or "error".
func (s *Severity) UnmarshalText(b []byte) error {
	for _, v := range []Severity{Info, Warning, Error} {
		if string(b) == v.String() {
			*s = v
			return nil
		}
	}
	return fmt.Errorf("validate: invalid severity %q", b)
}

// A Finding is one problem a rule found, located as ICE output locates
// it: the table, the column and the row's primary key (each empty when
// the finding is about the whole package or table).
type Finding struct {
	ICE      string   `json:"ice"`      // the rule: "ICE03", "ICEM05"
	Severity Severity `json:"severity"` // error, warning or info
	Table    string   `json:"table,omitempty"`
	Column   string   `json:"column,omitempty"`
	Key      []string `json:"key,omitempty"` // the row's primary key values, as text
	Message  string   `json:"message"`       // one line
	URL      string   `json:"url"`           // the rule's documentation
	// Omitted is non-zero only on the summary Validate adds when a rule
	// found more than Options.MaxFindings problems: it counts the findings
	// of this rule and severity that are not listed.
	Omitted int `json:"omitted,omitempty"`
}

// String formats f on one line: "ICE03 error File[f1].Component_: message
// <url>", leaving out what f does not have. Text from the package is not
// escaped.
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.ICE)
	b.WriteByte(' ')
	b.WriteString(f.Severity.String())
	if f.Table != "" {
		b.WriteByte(' ')
		b.WriteString(f.Table)
		if len(f.Key) > 0 {
			b.WriteByte('[')
			b.WriteString(strings.Join(f.Key, ", "))
			b.WriteByte(']')
		}
		if f.Column != "" {
			b.WriteByte('.')
			b.WriteString(f.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(f.Message)
	if f.URL != "" {
		b.WriteString(" <")
		b.WriteString(f.URL)
		b.WriteByte('>')
	}
	return b.String()
}

// DefaultMaxFindings is the number of findings listed per rule when
// Options.MaxFindings is 0.
const DefaultMaxFindings = 1000

// Options selects the rules Validate runs. The zero value runs every rule
// that applies to the package.
type Options struct {
	// Rules lists the rules to run ("ICE03", "ICEM05"; case does not
	// matter); empty means all of them.
	Rules []string
	// Skip lists rules not to run.
	Skip []string
	// MaxFindings bounds the findings listed per rule and severity (0
	// means DefaultMaxFindings, a negative value no bound). Past it a rule's
	// findings are only counted, in one summary Finding with Omitted set,
	// so that a hostile package cannot make the result grow with its rows.
	MaxFindings int
}

// ErrUnsupported is wrapped by the error Validate returns for packages the
// rules do not apply to: patches (.msp) and transforms (.mst).
var ErrUnsupported = errors.New("validate: unsupported package")

// Validate runs the rules on db and returns what they found, ordered by
// rule (in the order Rules lists them), then table, primary key, column
// and message, so that the same package always gives the same list.
//
// Installer databases get the ICE rules, merge modules the ICE rules that
// apply to modules and the ICEM rules. Patches and transforms are refused
// with an error wrapping ErrUnsupported: the rules check databases, and
// what a patch or transform must be checked on is its target with it
// applied. A table that cannot be decoded stops the validation with its
// error (matching msi.ErrFormat); an unknown rule name in opts is an error
// too.
func Validate(db *msi.Database, opts *Options) ([]Finding, error) {
	return ValidateContext(context.Background(), db, opts)
}

// ValidateContext is Validate that gives up when ctx is done: it checks
// ctx before each rule (a rule itself runs to its end) and then returns
// nil and context.Cause(ctx).
func ValidateContext(ctx context.Context, db *msi.Database, opts *Options) ([]Finding, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	run, err := selectRules(o)
	if err != nil {
		return nil, err
	}
	kind := kindOf(db)
	switch kind {
	case kindPatch:
		return nil, fmt.Errorf("%w: a patch (.msp): the rules check installer databases and merge modules; validate the target package with the patch applied", ErrUnsupported)
	case kindTransform:
		return nil, fmt.Errorf("%w: a transform (.mst): the rules check installer databases and merge modules; validate the target package with the transform applied", ErrUnsupported)
	}
	c := newChecker(ctx, db, kind, o.MaxFindings)
	for i := range registry {
		r := &registry[i]
		if !run[r.ICE] || (kind == kindModule && !r.MergeModules) || (kind != kindModule && !r.Installers) {
			continue
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		c.start(r)
		r.run(c)
		if c.err != nil {
			return nil, c.err
		}
	}
	return c.finish(), nil
}

// selectRules returns the set of rules opts asks for.
func selectRules(o Options) (map[string]bool, error) {
	known := map[string]bool{}
	for _, r := range registry {
		known[r.ICE] = true
	}
	run := map[string]bool{}
	if len(o.Rules) == 0 {
		for k := range known {
			run[k] = true
		}
	}
	for _, name := range o.Rules {
		n := strings.ToUpper(strings.TrimSpace(name))
		if !known[n] {
			return nil, fmt.Errorf("validate: unknown rule %q", name)
		}
		run[n] = true
	}
	for _, name := range o.Skip {
		n := strings.ToUpper(strings.TrimSpace(name))
		if !known[n] {
			return nil, fmt.Errorf("validate: unknown rule %q", name)
		}
		delete(run, n)
	}
	return run, nil
}

// maxMessage bounds a finding's message, so that a value of 64 KiB quoted
// in a thousand findings cannot multiply memory.
const maxMessage = 400

// report adds a finding of the running rule.
func (c *checker) report(sev Severity, table, column string, key []string, format string, args ...any) {
	k := ruleSev{c.rule.ICE, sev}
	if c.max >= 0 && c.listed[k] >= c.max {
		c.omitted[k]++
		return
	}
	c.listed[k]++
	msg := fmt.Sprintf(format, clipArgs(args)...)
	c.out = append(c.out, Finding{ICE: c.rule.ICE, Severity: sev, Table: clipName(table), Column: clipName(column),
		Key: clipKey(key), Message: cut(msg, maxMessage), URL: c.rule.URL})
}

// clipName returns a table or column name as a finding quotes it: cut as
// a key value is (clipKey) when longer than maxKeyPart. A column named by
// a 4 MB text, quoted whole in each of a thousand listed findings of its
// rows, made validate print 4.2 GB for a 4.2 MB package.
func clipName(name string) string {
	if len(name) <= maxKeyPart {
		return name
	}
	return fmt.Sprintf("%s (%d bytes)", cut(name, 120), len(name))
}

// clipArgs returns args with each string longer than maxArg cut to its
// first maxArg bytes (args is not modified): a message quoting a 900 KB
// value, cut to maxMessage bytes anyway, is not built in full first. The
// message is the same, cut: every verb the rules use writes a string
// argument's bytes in order and at least one byte for each (%s, %q, %v),
// so the first maxArg-utf8.UTFMax bytes an argument writes are those of
// its whole value, and these reach past the cut and the byte cut looks
// at.
func clipArgs(args []any) []any {
	var out []any
	for i, a := range args {
		if s, ok := a.(string); ok && len(s) > maxArg {
			if out == nil {
				out = slices.Clone(args)
			}
			out[i] = s[:maxArg]
		}
	}
	if out == nil {
		return args
	}
	return out
}

// maxArg is the length to which clipArgs cuts a string argument.
const maxArg = maxMessage + 2*utf8.UTFMax

// full reports whether the current rule has listed as many findings of
// severity sev as it may, counting one more omitted when it has: a caller
// about to report one can skip building its message.
func (c *checker) full(sev Severity) bool {
	k := ruleSev{c.rule.ICE, sev}
	if c.max >= 0 && c.listed[k] >= c.max {
		c.omitted[k]++
		return true
	}
	return false
}

// maxKeyPart bounds one primary key value as a finding quotes it: far
// above what the standard columns hold (255 characters), so that only a
// hostile key is cut, and a value of 64 KiB repeated in a thousand listed
// findings cannot multiply output.
const maxKeyPart = 1024

// clipKey returns key with each value longer than maxKeyPart cut to a
// prefix, marked with the value's full length in bytes. key is not
// modified.
func clipKey(key []string) []string {
	var out []string
	for i, k := range key {
		if len(k) <= maxKeyPart {
			continue
		}
		if out == nil {
			out = slices.Clone(key)
		}
		out[i] = fmt.Sprintf("%s (%d bytes)", cut(k, 120), len(k))
	}
	if out == nil {
		return key
	}
	return out
}

type ruleSev struct {
	ice string
	sev Severity
}

// cut shortens s to at most n bytes, at a character boundary
// (clip.Prefix), marking the cut with "…".
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return clip.Prefix(s, n) + "…"
}

// finish adds the summaries of omitted findings and sorts the result.
func (c *checker) finish() []Finding {
	order := map[string]int{}
	for i, r := range registry {
		order[r.ICE] = i
	}
	for k, n := range c.omitted {
		url := ""
		for _, r := range registry {
			if r.ICE == k.ice {
				url = r.URL
			}
		}
		c.out = append(c.out, Finding{ICE: k.ice, Severity: k.sev, Omitted: n, URL: url,
			Message: fmt.Sprintf("%d more %s findings of %s are not listed (at most %d are listed per rule and severity)", n, k.sev, k.ice, c.max)})
	}
	slices.SortStableFunc(c.out, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(order[a.ICE], order[b.ICE]),
			cmp.Compare(a.Omitted, b.Omitted), // summaries last
			cmp.Compare(a.Table, b.Table),
			slices.Compare(a.Key, b.Key),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.Message, b.Message),
		)
	})
	if c.out == nil {
		return []Finding{}
	}
	return c.out
}

// Counts returns how many errors, warnings and infos fs holds, counting
// the findings a summary stands for (Omitted).
func Counts(fs []Finding) (errors, warnings, infos int) {
	for _, f := range fs {
		n := 1
		if f.Omitted > 0 {
			n = f.Omitted
		}
		switch f.Severity {
		case Error:
			errors += n
		case Warning:
			warnings += n
		case Info:
			infos += n
		}
	}
	return
}
