package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/cfb"
	"github.com/msikit/msikit/msi"
)

// info lists at most maxPatchRows rows of a patch's own tables, each
// cell over 1 KiB clipped, and counts the others: 1,100 MsiPatchSequence
// rows sharing one 64 KiB text printed 72 MB.
func TestInfoPatchRowsBounded(t *testing.T) {
	dir := t.TempDir()
	db, err := msi.Open(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range db.TableNames() {
		if err := db.DropTable(name); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := db.CreateTable("MsiPatchSequence", []msi.Column{
		{Name: "PatchFamily", Type: msi.ColString, Size: 72, Key: true},
		{Name: "ProductCode", Type: msi.ColString, Size: 38, Key: true, Nullable: true},
		{Name: "Sequence", Type: msi.ColString, Size: 72},
		{Name: "Attributes", Type: msi.ColInt32, Size: 4, Nullable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("S", 64<<10)
	for i := 0; i < maxPatchRows+100; i++ {
		if err := tb.Insert(msi.StrValue("F"+strconv.Itoa(i)), msi.Value{}, msi.StrValue(long), msi.IntValue(1)); err != nil {
			t.Fatal(err)
		}
	}
	var data bytes.Buffer
	if _, err := db.Write(&data, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// The same container with a patch's root CLSID.
	rc, err := cfb.NewReader(bytes.NewReader(data.Bytes()), int64(data.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := cfb.NewWriter(&out, nil)
	clsid, _ := cfb.ParseGUID(msi.CLSIDPatch)
	w.SetRoot(cfb.Header{CLSID: clsid})
	for _, e := range rc.Root.Children {
		if err := w.Copy(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	patch := filepath.Join(dir, "rows.msp")
	if err := os.WriteFile(patch, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	clipped := strings.Repeat("S", 120) + "…(65536 bytes)"
	code, stdout, stderr := runCLI(t, "info", patch)
	if code != exitOK {
		t.Fatalf("info: exit %d, %s", code, stderr)
	}
	if len(stdout) > 1<<20 {
		t.Errorf("info printed %d bytes", len(stdout))
	}
	for _, want := range []string{
		"  MsiPatchSequence (1100 rows): PatchFamily\tProductCode\tSequence\tAttributes\n    F0\t\t" + clipped + "\t1\n",
		"    F999\t\t" + clipped + "\t1\n    (100 more rows not listed)\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("info does not print %q", want)
		}
	}
	code, stdout, stderr = runCLI(t, "info", "--json", patch)
	if code != exitOK {
		t.Fatalf("info --json: exit %d, %s", code, stderr)
	}
	var doc struct {
		Patch struct {
			Sequence rowsJSON `json:"sequence"`
		} `json:"patch"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	seq := doc.Patch.Sequence
	if diff := cmp.Diff([]string{"F0", "", clipped, "1"}, seq.Rows[0]); diff != "" {
		t.Errorf("first row (-want +got):\n%s", diff)
	}
	if len(seq.Rows) != maxPatchRows || seq.LeftOut != 100 {
		t.Errorf("%d rows listed, %d left out, want %d and 100", len(seq.Rows), seq.LeftOut, maxPatchRows)
	}
}
