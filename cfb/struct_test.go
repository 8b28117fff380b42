package cfb

import (
	"bytes"
	"testing"
	"unicode/utf16"
)

// NameKey and HasCase agree with the writer: names with one key are the
// "duplicate entry name" Writer refuses, and a name without case has no
// other name of its key.
func TestNameKeyAndHasCase(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"é", "É", true},
		{"\x05SummaryInformation", "\x05SUMMARYINFORMATION", true},
		{"ı", "I", true}, // dotless i upper-cases to I
		{"ſ", "S", true}, // long s too
		{"é", "e", false},
		{"\u4840\u3a8b", "\u4840\u3a8c", false},
	} {
		a, b := utf16.Encode([]rune(tt.a)), utf16.Encode([]rune(tt.b))
		if got := NameKey(a) == NameKey(b); got != tt.same {
			t.Errorf("NameKey(%q) == NameKey(%q): %v, want %v", tt.a, tt.b, got, tt.same)
		}
		if tt.same && (!HasCase(a) || !HasCase(b)) {
			t.Errorf("HasCase(%q), HasCase(%q): %v, %v; want both true", tt.a, tt.b, HasCase(a), HasCase(b))
		}
		w := NewWriter(&bytes.Buffer{}, nil)
		err := w.CreateFrom(tt.a, bytes.NewReader(nil), 0)
		if err == nil {
			err = w.CreateFrom(tt.b, bytes.NewReader(nil), 0)
		}
		if err == nil {
			err = w.Close()
		}
		if (err != nil) != tt.same {
			t.Errorf("writing %q and %q: %v", tt.a, tt.b, err)
		}
	}
	for _, s := range []string{"\u4840\u3a8b\u4711", "0123-_ .", "日本"} {
		if HasCase(utf16.Encode([]rune(s))) {
			t.Errorf("HasCase(%q) = true, want false", s)
		}
	}
}
