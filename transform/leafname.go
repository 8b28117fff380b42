package transform

import (
	"fmt"
	"hash/fnv"
	"strings"
)

// leafName returns the key for the leaf that holds component under parent:
// "<parent>_<component>" when that fits in 38 characters and no feature
// (compared case-insensitively) has it; otherwise the first 29 characters of
// that name, "_", and 8 hex digits of an FNV-1a hash of parent, component
// and an attempt counter. Characters that may not appear in an Identifier
// become '_'. The result depends only on its arguments and taken, so the
// pass is deterministic.
func leafName(parent, component string, taken map[string]bool) string {
	base := sanitizeIdent(parent + "_" + component)
	if len(base) <= maxFeatureKey && !taken[strings.ToLower(base)] {
		return base
	}
	prefix := base
	if len(prefix) > maxFeatureKey-9 {
		prefix = prefix[:maxFeatureKey-9]
	}
	for i := 0; ; i++ {
		h := fnv.New32a()
		fmt.Fprintf(h, "%s\x00%s\x00%d", parent, component, i)
		name := fmt.Sprintf("%s_%08X", prefix, h.Sum32())
		if !taken[strings.ToLower(name)] {
			return name
		}
	}
}

// sanitizeIdent maps s to a valid Identifier: bytes outside letters,
// digits, '_' and '.' become '_', and so does a leading digit or period.
func sanitizeIdent(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !identByte(c, i == 0) {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}
