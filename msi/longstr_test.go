package msi

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// TestLongStringWrite writes a string of 64 KiB or more (an extended pool
// entry) and checks msiinfo reads it back.
func TestLongStringWrite(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	db, _ := coreOpenCopy(t, coreSample)
	prop, _ := db.Table("Property")
	big := strings.Repeat("0123456789", 7000) // 70,000 bytes
	if err := prop.Insert(StrValue("BIGVALUE"), StrValue(big)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "long.msi")
	if err := db.Save(out, nil); err != nil {
		t.Fatal(err)
	}
	exp, err := testenv.Command(t, msiinfo, "export", out, "Property").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(exp, []byte("BIGVALUE\t"+big+"\r\n")) {
		t.Error("msiinfo export does not show the 70,000-byte value")
	}
	db2, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	p2, _ := db2.Table("Property")
	if r, ok := p2.Lookup(StrValue("BIGVALUE")); !ok || r.Get("Value").Str() != big {
		t.Error("long string not read back")
	}
}

// TestManyStringsLongRefs adds enough strings to need 3-byte references,
// checks the pool flag, and that msiinfo reads the re-encoded tables.
func TestManyStringsLongRefs(t *testing.T) {
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	if testing.Short() {
		t.Skip("slow under -short")
	}
	db, in := coreOpenCopy(t, coreSample)
	tab, err := db.CreateTable("ManyStrings", []Column{
		{Name: "Key", Type: ColString, Size: 16, Key: true},
		{Name: "Val", Type: ColInt32},
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 66000
	for i := 0; i < n; i++ {
		if err := tab.Insert(StrValue(fmt.Sprintf("s%06d", i)), IntValue(int32(i))); err != nil {
			t.Fatal(err)
		}
	}
	db2, out := saveReopen(t, db, "many.msi")
	if !db2.pool.longRefs {
		t.Error("pool of more than 65535 strings written without the long-reference flag")
	}
	poolEntry := db2.tableStreams[poolStream]
	ps, _ := poolEntry.Open()
	var h [4]byte
	ps.ReadAt(h[:], 0)
	if binary.LittleEndian.Uint32(h[:])&0x80000000 == 0 {
		t.Error("bit 31 of the pool header not set")
	}
	for _, name := range []string{"Property", "File", "Feature"} {
		want, err1 := testenv.Command(t, msiinfo, "export", in, name).Output()
		got, err2 := testenv.Command(t, msiinfo, "export", out, name).Output()
		if err1 != nil || err2 != nil || !bytes.Equal(want, got) {
			t.Errorf("%s: msiinfo export differs after switching to 3-byte references (%v, %v)", name, err1, err2)
		}
	}
	got, err := testenv.Command(t, msiinfo, "export", out, "ManyStrings").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(got), "\r\n"), "\r\n")
	if len(lines) != 3+n || lines[3] != "s000000\t0" || lines[len(lines)-1] != fmt.Sprintf("s%06d\t%d", n-1, n-1) {
		t.Errorf("ManyStrings: %d lines, first %q last %q", len(lines), lines[3], lines[len(lines)-1])
	}
}
