package mst

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// A key over 1 KiB is quoted clipped where a report or a message names a
// row: in the notes of the conditions Apply suppresses (one for each of
// the first 100 records: records naming one 4.5 MB key held 1.2 GB of
// notes), in a ConditionError and in the label of a line of WriteText.
func TestLongKeyClippedInReports(t *testing.T) {
	long := "K" + strings.Repeat("k", 100<<10)
	open := func(value string) *msi.Database {
		db, err := msi.Open(testenv.SampleMSI())
		if err != nil {
			t.Fatal(err)
		}
		p, err := db.Table("Property")
		if err != nil {
			t.Fatal(err)
		}
		if value != "" {
			if err := p.Insert(msi.StrValue(long), msi.StrValue(value)); err != nil {
				t.Fatal(err)
			}
		}
		return db
	}
	a, b, base := open("a"), open("b"), open("")
	defer a.Close()
	defer b.Close()
	defer base.Close()
	c, err := Diff(a, b)
	if err != nil {
		t.Fatal(err)
	}
	clipped := "K" + strings.Repeat("k", 119) + "…(102401 bytes)"
	// base lacks the row the update names.
	var text bytes.Buffer
	if err := WriteText(&text, base, c); err != nil {
		t.Fatal(err)
	}
	want := "! Property [" + clipped + "] update of a missing row (update-missing-row): Value:  -> b;\n"
	if text.String() != want {
		t.Errorf("WriteText:\n%.600s\nwant\n%s", text.String(), want)
	}
	_, err = ApplyChanges(base, c, 0)
	var ce *ConditionError
	if !errors.As(err, &ce) {
		t.Fatalf("ApplyChanges: %v, want a *ConditionError", err)
	}
	if msg := err.Error(); len(msg) > 2048 || !strings.Contains(msg, "row ["+clipped+"]") {
		t.Errorf("ConditionError of %d bytes: %.300s", len(msg), msg)
	}
	if len(ce.Key) != 1 || ce.Key[0] != long {
		t.Errorf("ConditionError.Key is not the whole key")
	}
	rep, err := ApplyChanges(base, c, UpdateMissingRow)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Notes) != 1 || len(rep.Notes[0]) > 2048 || !strings.Contains(rep.Notes[0], "row ["+clipped+"]") {
		t.Errorf("notes: %d, the first %d bytes: %.300s", len(rep.Notes), len(rep.Notes[0]), rep.Notes[0])
	}
}

// A ValidationError quotes the database's value and the transform's
// clipped: ApplyPatch keeps one for each transform it skips, and a patch
// of 1,000 transforms made for another product, applied to a package
// whose ProductCode is a 1 MB text, printed 1 GB (14 s, 1.5 GB).
func TestValidationErrorClipped(t *testing.T) {
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("P", 1<<20)
	if err := p.Update([]msi.Value{msi.StrValue("ProductCode")}, func(v []msi.Value) error { v[1] = msi.StrValue(long); return nil }); err != nil {
		t.Fatal(err)
	}
	err = Validate(db, Summary{Validation: ValidateProduct, BaseProductCode: "{00000000-0000-0000-0000-000000000001}"}, 0)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate: %v, want a *ValidationError", err)
	}
	if ve.Database != long {
		t.Errorf("ValidationError.Database is not the database's whole value")
	}
	want := `mst: the transform does not apply to this database (product check): ProductCode differs: the transform wants "{00000000-0000-0000-0000-000000000001}", the database has "` + strings.Repeat("P", 120) + `…(1048576 bytes)"`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("ValidationError (-want +got):\n%.2000s", diff)
	}
}

// WriteText quotes a value over 1 KiB whole maxQuotedWhole times, then
// clipped: rows sharing one pooled long text must not print it once per
// row.
func TestWriteTextClipsRepeatedLongValues(t *testing.T) {
	long := "V" + strings.Repeat("v", 2047)
	old, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	new, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	defer new.Close()
	p, err := new.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	const rows = 20
	for i := range rows {
		if err := p.Insert(msi.StrValue(fmt.Sprintf("P%02d", i)), msi.StrValue(long)); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Diff(old, new)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := WriteText(&text, old, c); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(text.String(), "\n") {
		if strings.HasPrefix(line, "+ Property [P") {
			got = append(got, line)
		}
	}
	var want []string
	for i := range rows {
		v := long
		if i >= maxQuotedWhole {
			v = "V" + strings.Repeat("v", 119) + "…(2048 bytes)"
		}
		want = append(want, fmt.Sprintf("+ Property [P%02d]\tP%02d\t%s", i, i, v))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("insert lines (-want +got):\n%.3000s", diff)
	}
}

// Diff lists a change past the 16th column once for each row, quoting
// the row's key values over 1 KiB clipped.
func TestDiffPast16ClipsKey(t *testing.T) {
	long := "K" + strings.Repeat("k", 64<<10-1)
	build := func(v int32) *msi.Database {
		db, err := msi.Open(testenv.SampleMSI())
		if err != nil {
			t.Fatal(err)
		}
		cols := []msi.Column{{Name: "K", Type: msi.ColString, Key: true}, {Name: "I", Type: msi.ColInt32, Size: 4, Key: true}}
		for c := range 17 {
			cols = append(cols, msi.Column{Name: fmt.Sprintf("C%d", c), Type: msi.ColInt16, Size: 2, Nullable: true})
		}
		tb, err := db.CreateTable("Deep", cols)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			vals := make([]msi.Value, len(cols))
			vals[0], vals[1], vals[len(cols)-1] = msi.StrValue(long), msi.IntValue(int32(i)), msi.IntValue(v)
			if err := tb.Insert(vals...); err != nil {
				t.Fatal(err)
			}
		}
		return db
	}
	a, b := build(1), build(2)
	defer a.Close()
	defer b.Close()
	c, err := Diff(a, b)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range c.Unexpressible {
		if d.Kind == "table" && d.Name == "Deep" {
			got = append(got, d.Old)
		}
	}
	clipped := "K" + strings.Repeat("k", 119) + "…(65536 bytes)"
	want := []string{"[" + clipped + " 0]", "[" + clipped + " 1]", "[" + clipped + " 2]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("differences past the 16th column (-want +got):\n%.2000s", diff)
	}
}
