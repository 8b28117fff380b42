package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// writeInfoJSON writes what a json.Encoder indenting by two spaces writes,
// the tables streamed one at a time: with no table, one, and several
// whose names and errors need escaping, with and without a transform's
// own "tables" after them.
func TestWriteInfoJSONAsEncoder(t *testing.T) {
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sample, err := gatherInfo(db, "sample.msi")
	if err != nil {
		t.Fatal(err)
	}
	// gatherInfo leaves the tables to be read and the cabinets to be
	// described when written; the Encoder is given them read.
	read := *sample
	read.names, read.Tables, read.cabs = nil, []tableInfoJSON{}, nil
	sample.eachTable(func(t tableInfoJSON) bool {
		read.Tables = append(read.Tables, t)
		return true
	})
	sample.eachCabinet(func(c *cabinetJSON) bool {
		read.Cabinets = append(read.Cabinets, *c)
		return true
	})
	if len(read.Cabinets) == 0 {
		t.Fatal("the sample has no cabinet")
	}
	if len(read.Tables) < 10 {
		t.Fatalf("the sample has %d tables", len(read.Tables))
	}
	odd := read
	odd.Tables = []tableInfoJSON{{Name: "<a>&\"b\"\n", Rows: 3}, {Name: "Тест", Error: "table Тест: stream _Columns: table has no columns"}, {Name: "T", Rows: -1}}
	odd.Transform = &transformJSON{}
	for name, info := range map[string][2]*infoJSON{
		"sample":   {sample, &read},
		"none":     {{Tables: []tableInfoJSON{}}},
		"one":      {{Tables: read.Tables[:1], Warnings: []string{`"tables": []`}}},
		"escaping": {&odd},
	} {
		encoded := info[1]
		if encoded == nil {
			encoded = info[0]
		}
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(encoded); err != nil {
			t.Fatal(err)
		}
		if err := writeInfoJSON(&got, info[0]); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want.String(), got.String()); diff != "" {
			t.Errorf("%s: writeInfoJSON (-Encoder +got):\n%s", name, diff)
		}
	}
}

// printInfo aligns the tables as text/tabwriter did (widths in runes).
func TestPrintInfoTablesAsTabwriter(t *testing.T) {
	info := &infoJSON{Tables: []tableInfoJSON{
		{Name: "Property", Rows: 12},
		{Name: "Тестовая", Error: "table Тестовая: stream _Columns: table has no columns"},
		{Name: "a\x1bb", Rows: 0},
		{Name: "T", Rows: -1},
	}}
	var out bytes.Buffer
	if err := printInfo(&out, info); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	fmt.Fprintf(&want, "\nTables (%d):\n", len(info.Tables))
	tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
	for _, t := range info.Tables {
		switch {
		case t.Error != "":
			fmt.Fprintf(tw, "  %s\terror: %s\n", escapeName(t.Name), escapeText(t.Error))
		case t.Rows < 0:
			fmt.Fprintf(tw, "  %s\t(transform changes)\n", escapeName(t.Name))
		default:
			fmt.Fprintf(tw, "  %s\t%d rows\n", escapeName(t.Name), t.Rows)
		}
	}
	tw.Flush()
	got := out.String()
	start := strings.Index(got, "\nTables (")
	end := strings.Index(got, "\nStreams (")
	if start < 0 || end < start {
		t.Fatalf("no Tables section in:\n%s", got)
	}
	if diff := cmp.Diff(want.String(), got[start:end]); diff != "" {
		t.Errorf("tables section (-tabwriter +got):\n%s", diff)
	}
}

// writeAligned lays lines out as text/tabwriter did for tables -l: cells
// in Cyrillic and CJK (widths in runes), empty cells, a last cell or none.
func TestWriteAlignedAsTabwriter(t *testing.T) {
	lines := [][4]string{
		{"TABLE", "ROWS", "KEY", "COLUMNS"},
		{"Property", "12", "Property", "Property:s72 Value:l0"},
		{"Тестовая", "error: _Columns: table has no columns", "", ""},
		{"表", "0", "键,列", "键:s72 列:i2"},
		{"", "", "", "x"},
	}
	var want bytes.Buffer
	tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
	for _, l := range lines {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l[0], l[1], l[2], l[3])
	}
	tw.Flush()
	widths := make([]int, 3)
	for _, l := range lines {
		fitWidths(widths, l[:3])
	}
	var got bytes.Buffer
	bw := bufio.NewWriter(&got)
	for _, l := range lines {
		writeAligned(bw, widths, l[:3], l[3])
	}
	bw.Flush()
	if diff := cmp.Diff(want.String(), got.String()); diff != "" {
		t.Errorf("writeAligned (-tabwriter +got):\n%s", diff)
	}
}

// gatherInfo holds no error text for a table that fails to decode (a
// package can name 450,000 such tables: their texts held at once took
// 20 MB of a 100 MB heap), yet both outputs print the error the database
// gives for it.
func TestInfoTableErrorsReadWhenWritten(t *testing.T) {
	file := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "msi-table-not-row-multiple.msi")
	db, err := msi.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	info, err := gatherInfo(db, file)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Tables) != 0 || len(info.names) != len(db.TableNames()) {
		t.Fatalf("gatherInfo holds %d table records and %d names, want none and %d names", len(info.Tables), len(info.names), len(db.TableNames()))
	}
	var failed []string
	for _, name := range info.names {
		_, err := db.Table(name)
		if err == nil {
			continue
		}
		failed = append(failed, name)
		want := trimPackage(err.Error())
		var js, text bytes.Buffer
		if err := writeInfoJSON(&js, info); err != nil {
			t.Fatal(err)
		}
		quoted, _ := json.Marshal(want)
		if !bytes.Contains(js.Bytes(), append([]byte(`"error": `), quoted...)) {
			t.Errorf("table %s: the JSON has no \"error\": %s", name, quoted)
		}
		if err := printInfo(&text, info); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text.String(), "error: "+escapeText(want)+"\n") {
			t.Errorf("table %s: the text has no line ending in error: %s", name, want)
		}
	}
	if len(failed) == 0 {
		t.Fatalf("no table of %s fails to decode", file)
	}
}

// info, info --json, tables -l and export --json on a package of 10,000
// tables that _Columns gives no column allocate per table, beyond what
// opening it does, little more than the error the database makes for
// each when asked (a FormatError and its text, 144 bytes): garbage the
// collector lets the heap double for, at 360,000 tables (4.9 MB) a peak
// of 185 MiB.
// info asked for each error twice, once to learn that the table fails,
// and made texts for each line; tables -l copied each error's text to cut
// its prefix and made texts for each line, in both its passes: 479, 750
// and 805 bytes a table before, 166, 189 and 308 now. export --json, which
// stops at the first table that fails, made a set of every table's name
// to check the tables named (none here): 280 bytes a table, 162 now.
func TestColumnlessTablesAllocationsPerTable(t *testing.T) {
	file := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-columnless-tables.msi")
	db, err := msi.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	n := len(db.TableNames())
	db.Close()
	if n != 10000 {
		t.Fatalf("%s names %d tables, want 10,000", file, n)
	}
	_, open := testenv.Measure(func() {
		db, err := msi.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	})
	for _, c := range []struct {
		args   []string
		budget uint64 // bytes a table
	}{
		{[]string{"info", file}, 250},
		{[]string{"info", "--json", file}, 250},
		{[]string{"tables", "-l", file}, 450},
		{[]string{"export", "--json", file}, 200},
	} {
		var code int
		var stderr bytes.Buffer
		_, alloc := testenv.Measure(func() {
			stderr.Reset()
			code = run(context.Background(), c.args, strings.NewReader(""), io.Discard, &stderr)
		})
		if code != exitFailure || !strings.Contains(stderr.String(), "table t0: stream _Columns: table has no columns") {
			t.Errorf("%s: exit %d, stderr ending %q; want exit 1 naming table t0", strings.Join(c.args[:len(c.args)-1], " "), code, stderr.String()[max(0, stderr.Len()-200):])
		}
		budget := c.budget
		if testenv.RaceEnabled {
			// The race detector's sync.Pool drops what is put back at
			// random (encoding/json's buffers), and it allocates more
			// besides: 232, 405 and 373 bytes a table.
			budget *= 2
		}
		if per := (alloc - min(alloc, open)) / uint64(n); per > budget {
			t.Errorf("%s: %d bytes a table beyond opening the package, want at most %d", strings.Join(c.args[:len(c.args)-1], " "), per, budget)
		}
	}
}
