package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTablesCommand(t *testing.T) {
	checkUsage(t, []string{"tables"}, []string{"tables", "a.msi", "b.msi"})
	checkBadInputs(t, "tables", "-l", "FILE")
	checkGolden(t, "tables", "tables", samplePath())
	checkGolden(t, "tables-l", "tables", "-l", samplePath())
}

// A cell wider than maxAligned does not widen its column: one table whose
// key column is named by 10,000 characters padded each of the sample's
// other lines to its width (a 60,000-character one among 50,000 empty
// tables: 3 GB of tables -l from a 1 MB package).
func TestTablesLongCellNotAligned(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("K", 10000)
	idt := filepath.Join(dir, "L.idt")
	if err := os.WriteFile(idt, []byte(long+"\r\ns72\r\nL\t"+long+"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(dir, "long.msi")
	if code, _, stderr := runCLI(t, "import", samplePath(), idt, "-o", pkg); code != exitOK {
		t.Fatalf("import: exit %d, %s", code, stderr)
	}
	_, before, _ := runCLI(t, "tables", "-l", samplePath())
	code, out, stderr := runCLI(t, "tables", "-l", pkg)
	if code != exitOK {
		t.Fatalf("tables -l: exit %d, %s", code, stderr)
	}
	// The sample's lines as they were, and L's: its key followed by two
	// spaces.
	var rest []string
	var lLine string
	for _, l := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(l, "L ") {
			lLine = l
			continue
		}
		rest = append(rest, l)
	}
	if diff := cmp.Diff(before, strings.Join(rest, "")); diff != "" {
		t.Errorf("the sample's lines (-before +after):\n%.2000s", diff)
	}
	if !strings.HasSuffix(lLine, " 0     "+long+"  "+long+":s72\n") {
		t.Errorf("L's line: %.300q", lLine)
	}
}
