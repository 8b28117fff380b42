package validate

import (
	"sort"
	"strings"
)

// sequenceRows returns a sequence table's actions and their Sequence
// numbers (rows with a null Sequence are left out), in stored order.
func (c *checker) sequenceRows(table string) (actions []string, seqs []int32, keys [][]string, ok bool) {
	t := c.table(table)
	if t == nil {
		return nil, nil, nil, false
	}
	for r := range t.Rows() {
		n, has := num(r, "Sequence")
		if !has {
			continue
		}
		actions, seqs, keys = append(actions, str(r, "Action")), append(seqs, n), append(keys, keyOf(r))
	}
	return actions, seqs, keys, true
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
	inScript := map[string]bool{}
	for r := range ca.Rows() {
		if t, ok := num(r, "Type"); ok && t&caInScript != 0 {
			inScript[str(r, "Action")] = true
		}
	}
	if len(inScript) == 0 {
		return
	}
	for _, table := range []string{"InstallExecuteSequence", "AdminExecuteSequence"} {
		actions, seqs, keys, ok := c.sequenceRows(table)
		if !ok {
			continue
		}
		at := map[string]int32{}
		for i, a := range actions {
			if _, dup := at[a]; !dup {
				at[a] = seqs[i]
			}
		}
		init, hasInit := at["InstallInitialize"]
		fin, hasFin := at["InstallFinalize"]
		missingReported := false
		for i, a := range actions {
			if !inScript[a] {
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
				c.report(Error, table, "Sequence", keys[i], "%s is an in-script custom action. It must be sequenced in between the InstallInitialize action and the InstallFinalize action in the %s table (it has Sequence %d)", quote(a), table, seqs[i])
			}
		}
	}
}

// registrationActions are the actions ICE82 wants all or none of.
var registrationActions = []string{"PublishFeatures", "PublishProduct", "RegisterProduct", "RegisterUser"}

// ice82: InstallExecuteSequence has all four registration actions or none
// of them, and no two actions of a sequence table share a sequence number.
func ice82(c *checker) {
	if actions, _, _, ok := c.sequenceRows("InstallExecuteSequence"); ok {
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
		actions, seqs, keys, ok := c.sequenceRows(table)
		if !ok {
			continue
		}
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
				c.report(Warning, table, "Sequence", keys[i], "This action %s has duplicate sequence number %d in the table %s (shared with %s)", quote(actions[i]), seqs[i], table, quote(prev))
				continue
			}
			first[seqs[i]] = actions[i]
		}
	}
}
