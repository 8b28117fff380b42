package edit

import (
	"crypto/sha256"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

func TestUpdateRows(t *testing.T) {
	long := strings.Repeat("a;", 600) // 1200 bytes
	tests := []struct {
		name             string
		old, updated     []string
		wantOld, wantNew []string
	}{
		{"short cells kept", []string{"k", "F1", "x"}, []string{"k", "F2", "x"}, []string{"k", "F1", "x"}, []string{"k", "F2", "x"}},
		{"long unchanged elided", []string{"k", "F1", long}, []string{"k", "F2", long},
			[]string{"k", "F1", "…(1200 bytes, unchanged)"}, []string{"k", "F2", "…(1200 bytes, unchanged)"}},
		{"long changed kept", []string{"k", long}, []string{"k", long + "b"}, []string{"k", long}, []string{"k", long + "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]string(nil), tt.old...)
			o, n := UpdateRows(tt.old, tt.updated)
			if d := cmp.Diff(tt.wantOld, o); d != "" {
				t.Errorf("old (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantNew, n); d != "" {
				t.Errorf("new (-want +got):\n%s", d)
			}
			if d := cmp.Diff(before, tt.old); d != "" {
				t.Errorf("UpdateRows changed its input (-before +after):\n%s", d)
			}
		})
	}
}

// Equal texts are one string; a Texts that has seen maxTexts distinct
// strings starts afresh rather than growing.
func TestTexts(t *testing.T) {
	var tx Texts
	a := tx.Intern(strings.Repeat("x", 100))
	b := tx.Intern(strings.Repeat("x", 100))
	if a != b || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Fatal("equal texts are not shared")
	}
	if c := tx.Intern("other"); c != "other" {
		t.Fatalf("Intern(other) = %q", c)
	}
	for i := range 3 * maxTexts {
		tx.Intern(strconv.Itoa(i))
		if len(tx.seen) > maxTexts {
			t.Fatalf("Texts remembers %d strings, bound %d", len(tx.seen), maxTexts)
		}
	}
	// Still sharing after starting afresh.
	d, e := tx.Intern(strings.Repeat("y", 50)), tx.Intern(strings.Repeat("y", 50))
	if unsafe.StringData(d) != unsafe.StringData(e) {
		t.Fatal("equal texts not shared after the map started afresh")
	}
}

// A Log's notes with one reason share it.
func TestLogNoteSharesReasons(t *testing.T) {
	var l Log
	for i := range 100 {
		l.Note(Warning, "Class", []string{strconv.Itoa(i)}, "FileTypeMask has %d patterns", 32000)
	}
	for _, n := range l.Notes[1:] {
		if unsafe.StringData(n.Reason) != unsafe.StringData(l.Notes[0].Reason) {
			t.Fatal("equal note reasons are separate strings")
		}
	}
}

// TextSHA256 is crypto/sha256's digest of the text, at every length
// around its buffer's size.
func TestTextSHA256(t *testing.T) {
	for _, n := range []int{0, 1, 4095, 4096, 4097, 3*4096 + 17} {
		s := strings.Repeat("ab\x00", n)[:n]
		if got, want := TextSHA256(s), sha256.Sum256([]byte(s)); got != want {
			t.Errorf("%d bytes: %x, want %x", n, got, want)
		}
	}
}
