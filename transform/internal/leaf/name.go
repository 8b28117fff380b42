package leaf

import "github.com/msikit/msikit/transform/internal/edit"

// featureName returns the key for the leaf that holds component under parent:
// "<parent>_<component>" when that fits in width characters (the Feature
// key width this package declares, at most 38) and no feature (compared
// case-insensitively) has it; otherwise a shortened form (see edit.FitIdent).
// The result depends only on its arguments and taken, so the pass is
// deterministic.
func featureName(parent, component string, width int, taken map[string]bool) string {
	return edit.FitIdent(parent+"_"+component, width, parent+"\x00"+component, taken)
}
