package leaf

import (
	"encoding/hex"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/textmemo"
	"github.com/msikit/msikit/transform/internal/edit"
)

// Names longer than longName enter a leaf's name by their first
// namePrefix bytes and a digest of the whole text (shortName): a leaf
// name is an Identifier of at most 38 characters, so only a prefix of
// "<parent>_<component>" shows, and the FNV seed need not be the whole
// text. Real names (at most 72 characters) are used whole, so their
// leaves are named as they always were.
const (
	longName   = clip.Max
	namePrefix = 64 // more than the widest Feature key (maxFeatureKey)
)

// A namer makes leaf names, remembering the short form of each long name.
type namer struct {
	short textmemo.Memo[string]
	fit   edit.IdentFitter
}

// shortName returns s when it is at most longName bytes long, else its
// first namePrefix bytes, a NUL and 16 hex digits of its SHA-256: once
// per text (by the identity of its bytes), so that 2,000 groups naming
// one pooled 1 MiB component hash it once, not 2,000 times.
func (n *namer) shortName(s string) string {
	if len(s) <= longName {
		return s
	}
	return n.short.Get(s, func(s string) string {
		sum := edit.TextSHA256(s)
		return clip.Prefix(s, namePrefix) + "\x00" + hex.EncodeToString(sum[:8])
	})
}

// featureName returns the key for the leaf that holds component under parent:
// "<parent>_<component>" when that fits in width characters (the Feature
// key width this package declares, at most 38) and no feature (compared
// case-insensitively) has it; otherwise a shortened form (see edit.FitIdent).
// A name longer than longName enters it by its short form (shortName),
// whose first namePrefix bytes are its own. The result depends only on
// its arguments and taken, so the pass is deterministic. A namer is
// used with one taken set (its fit remembers the widths whose hashed
// names that set holds all of).
func (n *namer) featureName(parent, component string, width int, taken map[string]bool) string {
	parent, component = n.shortName(parent), n.shortName(component)
	return n.fit.Fit(parent+"_"+component, width, parent+"\x00"+component, taken)
}
