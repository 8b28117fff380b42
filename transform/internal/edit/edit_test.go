package edit

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/testenv"
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

// Notes of recent formats and arguments share their reason, formatted
// once: the reasons are what fmt.Sprintf makes of clipped arguments
// whatever the order of the notes, a long text recognized by its
// content in another copy of its bytes, other arguments by value.
func TestNoteRecentReasons(t *testing.T) {
	long := strings.Repeat("K", 4096)
	other := strings.Clone(long) // the same text in other bytes
	differ := strings.Repeat("K", 4095) + "L"
	errA := errors.New("a")
	notes := []struct {
		format string
		args   []any
	}{
		{"feature %q names no feature", []any{long}},
		{"feature %q names no feature", []any{other}},
		{"no args", nil},
		{"feature %q names no feature", []any{differ}},
		{"feature %q names no feature", []any{long}},
		{"%s is %d levels deep (%v)", []any{"F", 3, true}},
		{"%s is %d levels deep (%v)", []any{"F", 4, true}},
		{"%s is %d levels deep (%v)", []any{"F", int32(4), true}},
		{"%s is %d levels deep (%v)", []any{"G", 4, false}},
		{"read: %v", []any{errA}},
		{"read: %v", []any{errors.New("b")}},
		{"read: %v", []any{errA}},
		{"a %s", []any{"1"}}, {"b %s", []any{"2"}}, {"c %s", []any{"3"}}, {"d %s", []any{"4"}}, {"e %s", []any{"5"}},
		{"a %s", []any{"6"}},
		{"feature %q names no feature", []any{other}},
		{"", nil},
	}
	var l Log
	var want []string
	for _, n := range notes {
		l.Note(Warning, "T", nil, n.format, n.args...)
		want = append(want, fmt.Sprintf(n.format, clip.Args(n.args)...))
	}
	var got []string
	for _, n := range l.Notes {
		got = append(got, n.Reason)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reasons (-want +got):\n%s", d)
	}
}

// TestNoteOneLongTextBudget: 200,000 notes quoting one 480 KiB text, in
// two copies taking turns (the cells of two pool entries of one text),
// and noted in two formats taking turns (a pass noting each row twice),
// formatted once each: clipping, quoting and formatting the text for
// each note allocated 172 MB, now 89 MB (the Notes slice, growing to
// 200,000 notes of 72 bytes, allocates 75 MB of it).
func TestNoteOneLongTextBudget(t *testing.T) {
	texts := []string{strings.Repeat("K", 480<<10), strings.Repeat("K", 480<<10)}
	var l Log
	testenv.CheckBudgetOf(t, "Note", testenv.TimeBudget, 128<<20, func() {
		l = Log{} // a second run (on a loaded machine) starts again
		for i := range 100_000 {
			l.Note(Warning, "Extension", nil, "feature %q names no feature; left alone", texts[i%2])
			l.Note(Warning, "Extension", nil, "values not read from %s: %v", texts[(i+1)%2], 7)
		}
	})
	if len(l.Notes) != 200_000 || l.Notes[0].Reason == l.Notes[1].Reason || l.Notes[0].Reason != l.Notes[len(l.Notes)-2].Reason {
		t.Errorf("%d notes, reasons %q, %q", len(l.Notes), clip.Prefix(l.Notes[0].Reason, 40), clip.Prefix(l.Notes[1].Reason, 40))
	}
}

// Long texts built for each note (not one pooled text) are not all kept
// to recognize them: the notes of 100,000 distinct 4 KiB texts keep the
// reasons (clipped to 120 bytes), not the texts (400 MB).
func TestNoteDistinctLongTexts(t *testing.T) {
	var l Log
	live := testenv.LiveBytes(func() any {
		for i := range 100_000 {
			s := strconv.Itoa(i) + strings.Repeat("K", 4096)
			l.Note(Warning, "T", nil, "%q", s)
			l.Note(Warning, "T", nil, "%q", s)
		}
		return &l
	})
	if live > 128<<20 {
		t.Errorf("the log holds %d MB for 200,000 notes", live>>20)
	}
	if l.Notes[0].Reason == l.Notes[2].Reason || l.Notes[2].Reason != l.Notes[3].Reason {
		t.Errorf("reasons %q, %q, %q", clip.Prefix(l.Notes[0].Reason, 20), clip.Prefix(l.Notes[2].Reason, 20), clip.Prefix(l.Notes[3].Reason, 20))
	}
}

// BenchmarkNoteOneLongText notes rows quoting one long pooled text in
// two copies, as a pass over the rows of one feature does.
func BenchmarkNoteOneLongText(b *testing.B) {
	texts := []string{strings.Repeat("K", 480<<10), strings.Repeat("K", 480<<10)}
	b.SetBytes(int64(len(texts[0])))
	b.ReportAllocs()
	var l Log
	for i := 0; b.Loop(); i++ {
		if len(l.Notes) >= 1<<16 {
			l.Notes = l.Notes[:0]
		}
		l.Note(Warning, "Extension", nil, "feature %q names no feature; left alone", texts[i%2])
	}
}
