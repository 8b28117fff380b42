package validate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

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
	// Duplicates counts the findings identical to this one (rule,
	// severity, table, column, key and message) that it stands for,
	// listed once: a table with duplicate rows, which msikit reads but
	// Windows Installer would not have let be made, makes a rule report
	// each row. Zero for a finding made once.
	Duplicates int `json:"duplicates,omitempty"`
}

// String formats f on one line: "ICE03 error File[f1].Component_: message
// <url>", leaving out what f does not have ("message (and 12 identical
// findings) <url>" when f has Duplicates). Text from the package is not
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
	if f.Duplicates > 0 {
		b.WriteString(" (and ")
		b.WriteString(strconv.Itoa(f.Duplicates))
		b.WriteString(" identical findings)")
	}
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
// Identical findings (same rule, severity, table, column, key and
// message: a table with duplicate rows makes a rule report each
// duplicate) are listed once, with Duplicates counting the others.
//
// Installer databases get the ICE rules, merge modules the ICE rules that
// apply to modules and the ICEM rules. Patches and transforms are refused
// with an error wrapping ErrUnsupported: the rules check databases, and
// what a patch or transform must be checked on is its target with it
// applied. A table that cannot be decoded stops the validation with its
// error (matching msi.ErrFormat); an unknown rule name in opts is an error
// too.
//
// Validate holds every finding; Findings gives them one at a time.
func Validate(db *msi.Database, opts *Options) ([]Finding, error) {
	return ValidateContext(context.Background(), db, opts)
}

// ValidateContext is Validate that gives up when ctx is done: it checks
// ctx before each rule and every 1,024 rows of the rules that walk rows,
// and then returns nil and context.Cause(ctx).
func ValidateContext(ctx context.Context, db *msi.Database, opts *Options) ([]Finding, error) {
	out := []Finding{}
	for f, err := range Findings(ctx, db, opts) {
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Findings returns the findings Validate returns, in the same order, one
// at a time and as the rules make them: a rule's findings are yielded
// once it has run, before the next rule runs, so that what is held is
// one rule's findings, never the whole list. A rule's findings beyond 4
// MiB are sorted in runs spilled to a temporary file (in the default
// directory, removed before Findings returns; on all systems but Windows
// it has no name from the moment it is made), so memory does
// not grow with the number of findings listed (Options.MaxFindings below
// 0 lists them all).
//
// An error (an unknown rule, a patch or transform, a table that cannot be
// decoded, ctx done, the temporary file) is yielded once with a zero
// Finding, and ends the sequence: the findings yielded before it, of the
// rules run before the error, stand.
func Findings(ctx context.Context, db *msi.Database, opts *Options) iter.Seq2[Finding, error] {
	return func(yield func(Finding, error) bool) {
		err := walk(ctx, db, opts, func(f Finding) bool { return yield(f, nil) })
		if err != nil && err != errYieldStopped {
			yield(Finding{}, err)
		}
	}
}

// errYieldStopped marks a walk whose consumer stopped it.
var errYieldStopped = errors.New("validate: stopped by the caller")

// walk runs the rules, giving each finding to yield in order.
func walk(ctx context.Context, db *msi.Database, opts *Options, yield func(Finding) bool) error {
	var o Options
	if opts != nil {
		o = *opts
	}
	run, err := selectRules(o)
	if err != nil {
		return err
	}
	kind := kindOf(db)
	switch kind {
	case kindPatch:
		return fmt.Errorf("%w: a patch (.msp): the rules check installer databases and merge modules; validate the target package with the patch applied", ErrUnsupported)
	case kindTransform:
		return fmt.Errorf("%w: a transform (.mst): the rules check installer databases and merge modules; validate the target package with the transform applied", ErrUnsupported)
	}
	c := newChecker(ctx, db, kind, o.MaxFindings)
	c.yield = yield
	defer func() { c.spill.close() }()
	for i := range registry {
		r := &registry[i]
		if !run[r.ICE] || (kind == kindModule && !r.MergeModules) || (kind != kindModule && !r.Installers) {
			continue
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		c.start(r)
		r.run(c)
		if c.err == nil {
			c.flush()
		}
		if c.err != nil {
			return c.err
		}
	}
	return nil
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

// report adds a finding of the running rule. A finding identical to one
// the rule has listed recently (the last maxSeen distinct ones, since it
// last spilled) adds to its Duplicates instead, and does not count
// against Options.MaxFindings; the sort merges the others.
func (c *checker) report(sev Severity, table, column string, key []string, format string, args ...any) {
	// The message and a cut key are first made in buffers the checker
	// reuses, and copied only for a finding listed: most of the millions
	// a table of duplicate rows makes are merged into one listed before.
	c.msg = fmt.Appendf(c.msg[:0], format, clipArgs(args)...)
	c.reportMsg(sev, table, column, key)
}

// reportMsg is report of the message in c.msg, for a rule that builds
// it there itself (without fmt's boxing of each argument), as report's
// format and arguments would.
func (c *checker) reportMsg(sev Severity, table, column string, key []string) {
	k := ruleSev{c.rule.ICE, sev}
	c.built++
	msg := ""
	if len(c.msg) > 0 {
		msg = cut(unsafe.String(&c.msg[0], len(c.msg)), maxMessage)
	}
	ck, shared := c.clipKeyShared(key)
	f := Finding{ICE: c.rule.ICE, Severity: sev, Table: c.clipName(table), Column: c.clipName(column),
		Key: ck, Message: msg, URL: c.rule.URL}
	if n := len(c.out); n > 0 && same(&c.out[n-1], &f) {
		c.out[n-1].Duplicates++
		c.note(n-1, 0, k)
		return
	}
	h := c.hash(&f)
	if i, ok := c.seen[h]; ok && same(&c.out[i], &f) {
		c.out[i].Duplicates++
		c.note(i, h, k)
		return
	}
	if c.max >= 0 && c.listed[k] >= c.max {
		c.omitted[k]++
		c.note(-1, 0, k)
		return
	}
	if len(c.seen) >= maxSeen {
		clear(c.seen)
		c.epoch++
	}
	if len(msg) > 0 && unsafe.StringData(msg) == &c.msg[0] {
		f.Message = strings.Clone(msg)
	}
	if shared {
		f.Key = slices.Clone(ck)
	}
	c.seen[h] = len(c.out)
	if c.max >= 0 {
		c.keys[c.keyHash(f.Severity, f.Table, f.Column, f.Key)] = struct{}{}
	}
	c.listed[k]++
	c.note(len(c.out), h, k)
	c.add(f)
}

// A replay is what report did with the findings of one row: a rule
// meeting a row identical to it (a table of duplicate rows repeats one
// row hundreds of thousands of times) counts the same findings again
// without building, hashing and comparing each (replay). It holds while
// the findings it names stay where they are: no run spilled and the
// recent findings not forgotten since (checker.epoch).
type replay struct {
	epoch int
	ok    bool
	steps []replayStep
}

// A replayStep is one finding's outcome: merged into or listed as
// c.out[i] (found under hash h, or the last one listed when h is 0), or
// counted as omitted under k (i < 0).
type replayStep struct {
	i int
	h uint64
	k ruleSev
}

// record makes report note its outcomes in r from now on (nil: stop).
func (c *checker) record(r *replay) {
	if r != nil {
		r.epoch, r.ok, r.steps = c.epoch, true, r.steps[:0]
	}
	c.rec = r
}

// note adds an outcome of report to the replay being recorded.
func (c *checker) note(i int, h uint64, k ruleSev) {
	if c.rec != nil {
		c.rec.steps = append(c.rec.steps, replayStep{i, h, k})
	}
}

// replay counts the findings r recorded once more, as report would count
// them again, and reports whether it could: false (nothing counted) when
// they may have moved since, and the caller must check the row again.
func (c *checker) replay(r *replay) bool {
	if !r.ok || r.epoch != c.epoch {
		return false
	}
	n := len(c.out)
	for _, s := range r.steps {
		if s.i < 0 {
			continue
		}
		// Where report would find the finding: the last one listed, or
		// the one its hash names.
		if s.i >= n {
			return false
		}
		if s.i != n-1 {
			if j, ok := c.seen[s.h]; !ok || j != s.i || s.h == 0 {
				return false
			}
		}
	}
	for _, s := range r.steps {
		if s.i < 0 {
			c.omitted[s.k]++
		} else {
			c.out[s.i].Duplicates++
		}
	}
	return true
}

// maxSeen bounds the findings report remembers to merge identical ones
// (16 bytes each).
const maxSeen = 1 << 16

// hash returns the hash of what tells f from another finding of the
// running rule: severity, table, column, key and message.
func (c *checker) hash(f *Finding) uint64 {
	h := &c.hasher
	h.Reset()
	h.WriteByte(byte(f.Severity))
	for _, s := range [...]string{f.Table, f.Column, f.Message} {
		h.WriteString(s)
		h.WriteByte(0)
	}
	for _, s := range f.Key {
		h.WriteString(s)
		h.WriteByte(1)
	}
	return h.Sum64()
}

// same reports whether a and b are identical findings of one rule.
func same(a, b *Finding) bool {
	return a.Severity == b.Severity && a.Omitted == b.Omitted && a.Table == b.Table && a.Column == b.Column &&
		a.Message == b.Message && slices.Equal(a.Key, b.Key)
}

// clipName returns a table or column name as a finding quotes it: cut as
// a key value is (clipKey) when longer than maxKeyPart. A column named by
// a 4 MB text, quoted whole in each of a thousand listed findings of its
// rows, made validate print 4.2 GB for a 4.2 MB package.
func (c *checker) clipName(name string) string {
	if len(name) <= maxKeyPart {
		return name
	}
	return c.clipped(name)
}

// clipped returns s cut as clipKey cuts a long key value, "prefix… (N
// bytes)". The last values cut are remembered by identity: a pooled text
// that is the key of 100,000 rows is cut once, not once a finding (four,
// for keys of several long values).
func (c *checker) clipped(s string) string {
	for _, e := range c.clips {
		if len(s) == len(e[0]) && unsafe.StringData(s) == unsafe.StringData(e[0]) {
			return e[1]
		}
	}
	clip := cut(s, 120) + " (" + strconv.Itoa(len(s)) + " bytes)"
	c.clips[c.nextClip] = [2]string{s, clip}
	c.nextClip = (c.nextClip + 1) % len(c.clips)
	return clip
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
		c.note(-1, 0, k)
		return true
	}
	return false
}

// omit reports whether report would only count a finding of the running
// rule of severity sev, table, column and key, whatever its message: the
// rule has listed as many findings of sev as it may, and none of that
// table, column and key, which the finding could be identical to (and
// merged with). It then counts it as report would: a caller can skip
// building its message. Unlike full, it leaves a finding identical to
// one listed to report, which counts it among that one's Duplicates.
func (c *checker) omit(sev Severity, table, column string, key []string) bool {
	k := ruleSev{c.rule.ICE, sev}
	if c.max < 0 || c.listed[k] < c.max {
		return false
	}
	ck, _ := c.clipKeyShared(key)
	if _, ok := c.keys[c.keyHash(sev, c.clipName(table), c.clipName(column), ck)]; ok {
		return false
	}
	c.omitted[k]++
	c.note(-1, 0, k)
	return true
}

// keyHash returns the hash of what tells a finding of the running rule
// from another but its message: severity, table, column and key, as
// the finding quotes them (clipped).
func (c *checker) keyHash(sev Severity, table, column string, key []string) uint64 {
	h := &c.hasher
	h.Reset()
	h.WriteByte(byte(sev))
	h.WriteString(table)
	h.WriteByte(0)
	h.WriteString(column)
	h.WriteByte(0)
	for _, s := range key {
		h.WriteString(s)
		h.WriteByte(1)
	}
	return h.Sum64()
}

// maxKeyPart bounds one primary key value as a finding quotes it: far
// above what the standard columns hold (255 characters), so that only a
// hostile key is cut, and a value of 64 KiB repeated in a thousand listed
// findings cannot multiply output.
const maxKeyPart = 1024

// clipKey returns key with each value longer than maxKeyPart cut to a
// prefix, marked with the value's full length in bytes. key is not
// modified.
func (c *checker) clipKey(key []string) []string {
	out, shared := c.clipKeyShared(key)
	if shared {
		out = slices.Clone(out)
	}
	return out
}

// clipKeyShared is clipKey returning a key it cut in a slice the checker
// reuses (shared true), valid until its next call.
func (c *checker) clipKeyShared(key []string) (out []string, shared bool) {
	for i, k := range key {
		if len(k) <= maxKeyPart {
			continue
		}
		if out == nil {
			out = append(c.keyBuf[:0], key...)
			c.keyBuf = out
		}
		out[i] = c.clipped(k)
	}
	if out == nil {
		return key, false
	}
	return out, true
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

// flush yields the running rule's findings, sorted by table, primary
// key, column, severity (most serious first) and message, identical ones
// once, and then the summaries of those it did not list.
func (c *checker) flush() {
	var sums []Finding
	for k, n := range c.omitted {
		if k.ice != c.rule.ICE {
			continue
		}
		sums = append(sums, Finding{ICE: k.ice, Severity: k.sev, Omitted: n, URL: c.rule.URL,
			Message: fmt.Sprintf("%d more %s findings of %s are not listed (at most %d are listed per rule and severity)", n, k.sev, k.ice, c.max)})
		delete(c.omitted, k)
	}
	slices.SortFunc(sums, compareFindings)
	emit := func(f Finding) bool {
		if !c.yield(f) {
			c.err = errYieldStopped
			return false
		}
		return true
	}
	if c.spill != nil && len(c.spill.runs) > 0 {
		c.spillRun()
		if c.err == nil {
			if err := c.spill.merge(c.rule, emit); err != nil && c.err == nil {
				c.err = err
			}
		}
	} else {
		slices.SortFunc(c.out, compareFindings)
		c.out = dedup(c.out)
		for _, f := range c.out {
			if !emit(f) {
				break
			}
		}
	}
	for _, f := range sums {
		if c.err != nil || !emit(f) {
			break
		}
	}
	clear(c.out)
	c.out, c.outBytes = c.out[:0], 0
	clear(c.seen)
	clear(c.keys)
	c.epoch++
	if c.spill != nil {
		c.spill.reset()
	}
}

// compareFindings orders the findings of one rule as Validate lists them.
func compareFindings(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.Omitted, b.Omitted), // summaries last
		cmp.Compare(a.Table, b.Table),
		slices.Compare(a.Key, b.Key),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(b.Severity, a.Severity),
		cmp.Compare(a.Message, b.Message),
	)
}

// dedup merges the runs of identical findings of sorted fs into one each,
// adding up their Duplicates.
func dedup(fs []Finding) []Finding {
	out := fs[:0]
	for i := range fs {
		if n := len(out); n > 0 && same(&out[n-1], &fs[i]) {
			out[n-1].Duplicates += 1 + fs[i].Duplicates
			continue
		}
		out = append(out, fs[i])
	}
	clear(fs[len(out):])
	return out
}

// spillBytes is how much of one rule's findings (by findingSize) is held
// before they are sorted and spilled to a temporary file (a variable for
// the tests).
var spillBytes = 4 << 20

// add lists f, spilling the rule's findings past spillBytes.
func (c *checker) add(f Finding) {
	c.out = append(c.out, f)
	c.outBytes += findingSize(&f)
	if c.outBytes > spillBytes {
		c.spillRun()
	}
}

// findingSize is about the memory f holds: its texts and headers.
func findingSize(f *Finding) int {
	n := 160 + len(f.Table) + len(f.Column) + len(f.Message)
	for _, k := range f.Key {
		n += 16 + len(k)
	}
	return n
}

// spillRun sorts the rule's findings held and writes them as one run of
// the temporary file.
func (c *checker) spillRun() {
	if c.spill == nil {
		c.spill = &spill{}
	}
	slices.SortFunc(c.out, compareFindings)
	c.out = dedup(c.out)
	if err := c.spill.write(c.out); err != nil && c.err == nil {
		c.err = err
	}
	clear(c.out)
	c.out, c.outBytes = c.out[:0], 0
	clear(c.seen)
	c.epoch++
}

// Counts returns how many errors, warnings and infos fs holds, counting
// the findings a summary stands for (Omitted) and the identical ones a
// finding stands for (Duplicates).
func Counts(fs []Finding) (errors, warnings, infos int) {
	for _, f := range fs {
		n := 1 + f.Duplicates
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
