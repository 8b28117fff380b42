package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/google/go-cmp/cmp"

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

// mediaRowsDB returns the sample with n more Media rows naming one
// external cabinet of 24 KiB.
func mediaRowsDB(t *testing.T, n int) *msi.Database {
	t.Helper()
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	media, err := db.Table("Media")
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Repeat("K", 24<<10)
	for i := range n {
		if err := media.Insert(msi.IntValue(int32(100+i)), msi.IntValue(1), msi.Null, msi.StrValue(name), msi.Null, msi.Null); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// info and info --json describe each cabinet as they write it, and
// write its line without holding it: the 278,000 Media rows of
// msi-media-rows-one-long-cabinet.msi (4.9 MB) were held as the
// package's records, info's own (grown by append) and, for info, the
// cells of a tabwriter, up to 233 MiB of peak RSS. Measured on these
// 20,000 rows: allocated 2,615 bytes a row for info and 2,153 for info
// --json before, 219 and 268 now.
func TestInfoCabinetsAllocatePerRow(t *testing.T) {
	const n = 20000
	db := mediaRowsDB(t, n)
	for _, tc := range []struct {
		name  string
		write func(io.Writer, *infoJSON) error
	}{{"info", printInfo}, {"info --json", writeInfoJSON}} {
		var out countingWriter
		_, alloc := testenv.Measure(func() {
			info, err := gatherInfo(db, "media.msi")
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.write(&out, info); err != nil {
				t.Fatal(err)
			}
		})
		per := float64(alloc) / n
		t.Logf("%s of %d Media rows: %d bytes written, %d allocated (%.0f a row)", tc.name, n, out, alloc, per)
		budget := 400.0
		if testenv.RaceEnabled {
			// The race detector's sync.Pool drops what is put back at
			// random (encoding/json's buffers): 635 bytes a row for
			// info --json.
			budget *= 2
		}
		if per > budget {
			t.Errorf("%s allocated %.0f bytes a Media row, budget %.0f", tc.name, per, budget)
		}
	}
}

// countingWriter counts the bytes written to it.
type countingWriter int64

func (w *countingWriter) Write(b []byte) (int, error) {
	*w += countingWriter(len(b))
	return len(b), nil
}

// printInfo aligns the cabinets as text/tabwriter did (widths in runes,
// empty cells, errors and a last cell or none).
func TestPrintInfoCabinetsAsTabwriter(t *testing.T) {
	info := &infoJSON{Cabinets: []cabinetJSON{
		{Name: "#product.cab", DiskID: 1, LastSequence: 17, Embedded: true, Stream: "product.cab", Size: 742, Compression: "MSZIP", Folders: 1, Files: 17},
		{Name: "Диск1.cab", DiskID: 2, LastSequence: 120},
		{Stream: "orphan\x1b.cab", Embedded: true, Size: 10, Error: "cab: bad header at offset 0\n"},
		{Name: "表.cab", DiskID: 32767, LastSequence: -1, Embedded: true, Size: 1 << 40, Compression: "LZX:21+MSZIP", Folders: 300, Files: 70000},
		{Name: "a\\b", Error: "é"},
	}}
	var out bytes.Buffer
	if err := printInfo(&out, info); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	fmt.Fprintf(&want, "\nCabinets (%d):\n", len(info.Cabinets))
	tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
	for _, c := range info.Cabinets {
		name := escapeName(c.Name)
		if name == "" {
			name = "(stream " + escapeName(c.Stream) + ", no Media row)"
		}
		where := "external"
		if c.Embedded {
			where = fmt.Sprintf("embedded, %d bytes", c.Size)
		}
		detail := ""
		if c.Error != "" {
			detail = "error: " + escapeText(c.Error)
		} else if c.Embedded {
			detail = fmt.Sprintf("%s, %d folders, %d files", c.Compression, c.Folders, c.Files)
		}
		disk := ""
		if c.DiskID != 0 {
			disk = fmt.Sprintf("disk %d, last sequence %d", c.DiskID, c.LastSequence)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", name, disk, where, detail)
	}
	tw.Flush()
	got := out.String()
	start := strings.Index(got, "\nCabinets (")
	if start < 0 {
		t.Fatalf("no Cabinets section in:\n%s", got)
	}
	if diff := cmp.Diff(want.String(), got[start:]); diff != "" {
		t.Errorf("cabinets section (-tabwriter +got):\n%s", diff)
	}
}
