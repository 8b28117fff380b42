package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// TestInfoMediaRowsOneLongCabinet: 10,000 Media rows naming one 24 KiB
// cabinet. info copied the name into every line of its listing (and
// info --json into its document): 240 MB here, 133 GB for the 278,000
// rows of a 480 KiB name that 4.9 MB hold, out of memory. The name is
// listed clipped, in budget.
func TestInfoMediaRowsOneLongCabinet(t *testing.T) {
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	media, err := db.Table("Media")
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Repeat("K", 24<<10)
	for i := range 10000 {
		if err := media.Insert(msi.IntValue(int32(100+i)), msi.IntValue(1), msi.Null, msi.StrValue(name), msi.Null, msi.Null); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "media.msi")
	if err := db.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"info", path}, {"info", "--json", path}} {
		var out bytes.Buffer
		code := 0
		testenv.CheckBudgetOf(t, strings.Join(args[:len(args)-1], " "), 2*time.Second, 64<<20, func() {
			out.Reset()
			code = run(context.Background(), args, strings.NewReader(""), &out, io.Discard)
		})
		clipped := "…(24576 bytes)"
		if code != exitOK || strings.Count(out.String(), clipped) < 10000 {
			t.Errorf("%v: exit %d, %d names clipped, want 10,000", args, code, strings.Count(out.String(), clipped))
		}
	}
}
