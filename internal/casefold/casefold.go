package casefold

import (
	"strings"
	"unicode"
)

// Key returns s with each character replaced by the least of those equal
// to it under simple case folding (its unicode.SimpleFold orbit), so that
// strings.EqualFold(a, b) exactly when Key(a) == Key(b). Invalid UTF-8
// reads as U+FFFD, as in EqualFold.
func Key(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}
