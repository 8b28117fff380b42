package textmemo

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMemo(t *testing.T) {
	long := strings.Repeat("Ab", Min)
	same := long[:]                  // the same bytes
	equal := strings.Clone(long)     // equal text, other bytes
	short := strings.Repeat("Ab", 3) // computed each time
	var calls []string
	f := func(s string) string {
		calls = append(calls, s[:2]+"/"+strings.Repeat("x", len(s)%7))
		return strings.ToLower(s)
	}
	var m Memo[string]
	for _, s := range []string{long, same, long[:len(long)-1], equal, short, short} {
		if got, want := m.Get(s, f), strings.ToLower(s); got != want {
			t.Fatalf("Get(%d bytes) = %.10q..., want %.10q...", len(s), got, want)
		}
	}
	// long and same are one text; the shorter slice and the clone are
	// others; short texts are never remembered.
	want := []string{
		"Ab/" + strings.Repeat("x", len(long)%7),
		"Ab/" + strings.Repeat("x", (len(long)-1)%7),
		"Ab/" + strings.Repeat("x", len(long)%7),
		"Ab/" + strings.Repeat("x", len(short)%7),
		"Ab/" + strings.Repeat("x", len(short)%7),
	}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("computed (-want +got):\n%s", diff)
	}
	if _, ok := KeyOf(short); ok {
		t.Error("KeyOf(short) ok, want false")
	}
	k1, _ := KeyOf(long)
	k2, _ := KeyOf(same)
	k3, _ := KeyOf(equal)
	if k1 != k2 || k1 == k3 {
		t.Errorf("keys: same bytes equal %v, other bytes differ %v", k1 == k2, k1 != k3)
	}
}
