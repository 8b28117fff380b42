package casefold

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// TestKey: strings.EqualFold(a, b) exactly when Key(a) == Key(b), for
// random names from letters with unusual folds, each against a random case
// change of itself (equal) and against another random name.
func TestKey(t *testing.T) {
	alphabet := []rune("aAbBkKsS\u212a\u017f\u00df\u1e9e\u03a3\u03c3\u03c2\u0130\u0131iI\u00e9\u00c9.\u00ff\u0178\ufffd")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var a, b []rune
		for range 1 + rng.IntN(8) {
			r := alphabet[rng.IntN(len(alphabet))]
			a = append(a, r)
			// b gets a rune of r's folding orbit, picked at random.
			f := r
			for range rng.IntN(4) {
				f = unicode.SimpleFold(f)
			}
			b = append(b, f)
		}
		sa, sb := string(a), string(b)
		if !strings.EqualFold(sa, sb) {
			t.Fatalf("%q and %q: not EqualFold", sa, sb)
		}
		if Key(sa) != Key(sb) {
			t.Fatalf("Key(%q) = %q, Key(%q) = %q; want equal", sa, Key(sa), sb, Key(sb))
		}
		var c []rune
		for range 1 + rng.IntN(3) {
			c = append(c, alphabet[rng.IntN(len(alphabet))])
		}
		sc := string(c)
		if eq, same := strings.EqualFold(sa, sc), Key(sa) == Key(sc); eq != same {
			t.Fatalf("%q, %q: EqualFold %v, same Key %v", sa, sc, eq, same)
		}
	}
	// Invalid UTF-8 reads as U+FFFD in both.
	if !strings.EqualFold("\xff.cab", "\xfe.cab") || Key("\xff.cab") != Key("\xfe.cab") {
		t.Errorf("invalid bytes: EqualFold and Key disagree")
	}
}
