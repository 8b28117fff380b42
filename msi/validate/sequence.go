package validate

import (
	"sort"
	"strings"

	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/msi"
)

// seqRows are a sequence table's rows that have a Sequence number, in
// stored order: their actions, numbers and row indexes (a row's key is
// made when a finding names it).
type seqRows struct {
	t       *msi.Table
	actions []string
	seqs    []int32
	idx     []int32
}

// key returns the key of row i.
func (s *seqRows) key(i int) []string { return keyOf(s.t.Row(int(s.idx[i]))) }

// sequenceRows returns a sequence table's rows with a Sequence number,
// read once for the rules that use them.
func (c *checker) sequenceRows(table string) (*seqRows, bool) {
	if s, ok := c.seqRows[table]; ok {
		return s, s != nil
	}
	if c.seqRows == nil {
		c.seqRows = map[string]*seqRows{}
	}
	t := c.table(table)
	if t == nil {
		c.seqRows[table] = nil
		return nil, false
	}
	n := t.Len()
	s := &seqRows{t: t, actions: make([]string, 0, n), seqs: make([]int32, 0, n), idx: make([]int32, 0, n)}
	i := int32(-1)
	for r := range t.Rows() {
		i++
		n, has := num(r, "Sequence")
		if !has {
			continue
		}
		s.actions, s.seqs, s.idx = append(s.actions, str(r, "Action")), append(s.seqs, n), append(s.idx, i)
	}
	c.seqRows[table] = s
	return s, true
}

// Custom action type bits (CustomAction table, Type column).
const (
	caInScript     = 0x0400
	ca64BitScript  = 0x1000
	caBaseTypeMask = 0x0007
)

// ice77: in-script (deferred, rollback, commit) custom actions are
// sequenced after InstallInitialize and before InstallFinalize, where the
// installation script is written.
func ice77(c *checker) {
	ca := c.table("CustomAction")
	if ca == nil {
		return
	}
	// Indexes, not maps: a sequence table of 6-byte rows can name one
	// pooled 64 KiB action 800,000 times, which a map hashes at each
	// lookup (5.3 s at 4.6 MB).
	var inScript textmemo.Index[bool]
	for r := range ca.Rows() {
		if t, ok := num(r, "Type"); ok && t&caInScript != 0 {
			inScript.Set(str(r, "Action"), true)
		}
	}
	if inScript.Len() == 0 {
		return
	}
	for _, table := range []string{"InstallExecuteSequence", "AdminExecuteSequence"} {
		sr, ok := c.sequenceRows(table)
		if !ok {
			continue
		}
		actions, seqs := sr.actions, sr.seqs
		var at textmemo.Index[int32]
		for i, a := range actions {
			if !at.Has(a) {
				at.Set(a, seqs[i])
			}
		}
		init, hasInit := at.Lookup("InstallInitialize")
		fin, hasFin := at.Lookup("InstallFinalize")
		missingReported := false
		for i, a := range actions {
			if !inScript.Get(a) {
				continue
			}
			if !missingReported {
				missingReported = true
				for _, m := range []struct {
					name string
					has  bool
				}{{"InstallInitialize", hasInit}, {"InstallFinalize", hasFin}} {
					if !m.has {
						c.report(Error, table, "", nil, "%s is missing from %s, which sequences in-script custom actions", m.name, quote(table))
					}
				}
			}
			if (hasInit && seqs[i] <= init) || (hasFin && seqs[i] >= fin) || seqs[i] <= 0 {
				c.report(Error, table, "Sequence", sr.key(i), "%s is an in-script custom action. It must be sequenced in between the InstallInitialize action and the InstallFinalize action in the %s table (it has Sequence %d)", quote(a), table, seqs[i])
			}
		}
	}
}

// registrationActions are the actions ICE82 wants all or none of.
var registrationActions = []string{"PublishFeatures", "PublishProduct", "RegisterProduct", "RegisterUser"}

// ice82: InstallExecuteSequence has all four registration actions or none
// of them, and no two actions of a sequence table share a sequence number.
func ice82(c *checker) {
	if sr, ok := c.sequenceRows("InstallExecuteSequence"); ok {
		actions := sr.actions
		var present, missing []string
		for _, a := range registrationActions {
			found := false
			for _, b := range actions {
				if a == b {
					found = true
					break
				}
			}
			if found {
				present = append(present, a)
			} else {
				missing = append(missing, a)
			}
		}
		switch {
		case len(present) == 0:
			c.report(Warning, "InstallExecuteSequence", "", nil, "The InstallExecuteSequence table does not contain the set of actions mentioned below: Actions Missing: %s", strings.Join(missing, ", "))
		case len(missing) > 0:
			c.report(Error, "InstallExecuteSequence", "", nil, "The InstallExecuteSequence should either contain all of the actions mentioned below or none of them. Actions Present: %s. Actions Missing: %s", strings.Join(present, ", "), strings.Join(missing, ", "))
		}
	}
	for _, table := range []string{"InstallExecuteSequence", "InstallUISequence", "AdminExecuteSequence", "AdminUISequence", "AdvtExecuteSequence"} {
		sr, ok := c.sequenceRows(table)
		if !ok {
			continue
		}
		actions, seqs := sr.actions, sr.seqs
		first := map[int32]string{}
		idx := make([]int, len(actions))
		for i := range idx {
			idx[i] = i
		}
		// Report the later actions of each number in sequence order.
		sort.SliceStable(idx, func(a, b int) bool { return seqs[idx[a]] < seqs[idx[b]] })
		for _, i := range idx {
			if seqs[i] <= 0 {
				continue
			}
			if prev, dup := first[seqs[i]]; dup {
				c.report(Warning, table, "Sequence", sr.key(i), "This action %s has duplicate sequence number %d in the table %s (shared with %s)", quote(actions[i]), seqs[i], table, quote(prev))
				continue
			}
			first[seqs[i]] = actions[i]
		}
	}
}
