// Package casefold indexes strings by case: Key maps strings that
// strings.EqualFold equates to one key, for maps that look names up the
// way Windows compares them.
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
