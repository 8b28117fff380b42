package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/google/go-cmp/cmp"
)

// TestWriteColumnsMatchesTabwriter checks writeColumns against
// text/tabwriter, which the listings used before, on tables of random
// cells (empty, ASCII, multi-byte runes, wider than their column's
// header).
func TestWriteColumnsMatchesTabwriter(t *testing.T) {
	words := []string{"", "-", "SIZE", "x", "Binary", "Ärger", "名前テーブル", "\\x05SummaryInformation", "12345678901234567890", "a b"}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 50 {
		cols := 1 + n%5
		rows := make([][]string, rng.IntN(20))
		for i := range rows {
			rows[i] = make([]string, cols)
			for j := range rows[i] {
				rows[i][j] = words[rng.IntN(len(words))]
			}
		}
		var want bytes.Buffer
		tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		if err := tw.Flush(); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		err := writeColumns(&got, func(row func(...string)) {
			for _, r := range rows {
				row(r...)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.String(), got.String()); diff != "" {
			t.Fatalf("table %d (%d columns, %d rows): -tabwriter +writeColumns\n%s", n, cols, len(rows), diff)
		}
	}
}

// TestWriteColumnsError checks that a failed write ends the listing with
// the error.
func TestWriteColumnsError(t *testing.T) {
	w := &failAfter{n: 2}
	err := writeColumns(w, func(row func(...string)) {
		for range 5 {
			row("a", "b")
		}
	})
	if err == nil || w.writes != 3 {
		t.Fatalf("writeColumns: %v after %d writes, want an error after 3", err, w.writes)
	}
}

type failAfter struct{ n, writes int }

func (w *failAfter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes > w.n {
		return 0, fmt.Errorf("write %d fails", w.writes)
	}
	return len(p), nil
}
