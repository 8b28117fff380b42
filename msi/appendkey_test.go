package msi

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// AppendKey appends what Key returns, after what dst holds, for every
// row of every table of the sample.
func TestRowAppendKey(t *testing.T) {
	db := openSample(t)
	n := 0
	for _, name := range db.TableNames() {
		tab, err := db.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		buf := []Value{StrValue("before")}
		for r := range tab.Rows() {
			got := r.AppendKey(buf[:1])
			want := append([]Value{StrValue("before")}, r.Key()...)
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b Value) bool { return a.Equal(b) })); diff != "" {
				t.Fatalf("%s: AppendKey (-want +got):\n%s", name, diff)
			}
			buf = got
			n++
		}
	}
	if n < 100 {
		t.Fatalf("%d rows compared, want the sample's hundreds", n)
	}
}
