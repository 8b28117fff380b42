package validate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/msikit/msikit/msi"
)

// benchRows is the row count of each big table of the benchmark package.
const benchRows = 100000

var (
	bigOnce sync.Once
	bigData []byte
)

// bigPackage returns the benchmark package, built once per process.
func bigPackage(tb testing.TB) []byte {
	tb.Helper()
	bigOnce.Do(func() { bigData = buildBigPackage(tb) })
	if bigData == nil {
		tb.Fatal("the benchmark package could not be built")
	}
	return bigData
}

func buildBigPackage(tb testing.TB) []byte {
	f := baseInstaller()
	withValidation(nil)(f)
	f.add("_Validation",
		row("Registry", "Registry", "N", nil, nil, "", nil, "Identifier", "", ""),
		row("Registry", "Root", "N", -1, 3, "", nil, "", "", ""),
		row("Registry", "Key", "N", nil, nil, "", nil, "RegPath", "", ""),
		row("Registry", "Name", "Y", nil, nil, "", nil, "Formatted", "", ""),
		row("Registry", "Value", "Y", nil, nil, "", nil, "Formatted", "", ""),
		row("Registry", "Component_", "N", nil, nil, "Component", 1, "Identifier", "", ""))
	exts := []string{"dll", "exe", "txt", "xml", "json", "png", "cfg", "dat"}
	for i := 0; i < benchRows; i++ {
		e := exts[i%len(exts)]
		file, comp := fmt.Sprintf("fil%06d", i), fmt.Sprintf("cmp%06d", i)
		f.add("File", row(file, comp, fmt.Sprintf("F%06d.%s|file_number_%06d.%s", i, e[:3], i, e), i*7919%(1<<24)+1, "", "", 512, i+2))
		f.add("Component", row(comp, fmt.Sprintf("{%08X-0000-4000-8000-%012X}", i+1, int64(i)*2654435761&0xFFFFFFFFFFFF), "INSTALLDIR", 0, "", file))
		f.add("FeatureComponents", row("Main", comp))
		f.add("Registry", row(fmt.Sprintf("reg%06d", i), 2, fmt.Sprintf(`Software\msikit\bench\key%d`, i%1000), fmt.Sprintf("value%d", i), fmt.Sprintf("data %d", i), comp))
	}
	// File.Sequence is at most 32767 in the base _Validation: widen it.
	for _, r := range f.tables["_Validation"] {
		if r[0] == "File" && r[1] == "Sequence" {
			r[4] = 2147483647
		}
	}
	var buf bytes.Buffer
	if _, err := f.build(tb).WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkValidate100k opens a package with 100,000 rows in each of File,
// Component, FeatureComponents and Registry (and their _Validation rows)
// from memory and runs every rule on it.
func BenchmarkValidate100k(b *testing.B) {
	data := bigPackage(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		fs, err := Validate(db, nil)
		if err != nil {
			b.Fatal(err)
		}
		if e, _, _ := Counts(fs); e != 0 {
			b.Fatalf("%d errors: %v", e, fs[:min(len(fs), 5)])
		}
	}
	// CPU time (all goroutines, GC included) per validation: unlike
	// ns/op, it does not depend on what else the machine runs.
	if cpu := processCPU(); start != 0 && b.N > 0 {
		b.ReportMetric(float64(cpu-start)/float64(b.N)/1e6, "cpu-ms/op")
	}
}

// byteCounter counts what is written to it.
type byteCounter struct{ n int64 }

func (c *byteCounter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkWriteSARIF writes 10,000 findings of one package as a SARIF
// log, as validate --sarif does (each with a table, key and column: a
// logical location, a fingerprint and a property bag).
func BenchmarkWriteSARIF(b *testing.B) {
	findings := make([]Finding, 10000)
	for i := range findings {
		key := fmt.Sprintf("row%06d", i)
		findings[i] = Finding{ICE: "ICE03", Severity: Error, Table: "Registry", Column: "Value", Key: []string{key},
			Message: fmt.Sprintf("Value not a member of the set: '%d' is not one of 'a;b;c'", i), URL: "https://learn.microsoft.com/en-us/windows/win32/msi/ice03"}
	}
	write := func(w io.Writer) {
		if err := WriteSARIF(w, "bench", Artifact{Path: "package.msi", Findings: findings}); err != nil {
			b.Fatal(err)
		}
	}
	var c byteCounter
	write(&c)
	b.SetBytes(c.n)
	b.ReportAllocs()
	for b.Loop() {
		write(io.Discard)
	}
}

// notInSetPackage returns a package whose _Validation gives Numbers.N a
// Set of 32,768 members (a 64 KiB list) and whose Numbers table has rows
// rows, none of whose values is in the set: ICE03 reports each, quoting
// the set (fuzz's msi-validation-long-lists.msi, whose 760,000 rows make
// 760,000 findings, at a smaller scale).
func notInSetPackage(tb testing.TB, rows int) []byte {
	base := sample(tb)
	db, err := msi.NewDatabase(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		tb.Fatal(err)
	}
	vt, err := db.CreateTable("_Validation", []msi.Column{
		{Name: "Table", Type: msi.ColString, Size: 32, Key: true},
		{Name: "Column", Type: msi.ColString, Size: 32, Key: true},
		{Name: "Nullable", Type: msi.ColString, Size: 4},
		{Name: "MinValue", Type: msi.ColInt32, Nullable: true},
		{Name: "MaxValue", Type: msi.ColInt32, Nullable: true},
		{Name: "KeyTable", Type: msi.ColString, Nullable: true},
		{Name: "KeyColumn", Type: msi.ColInt16, Nullable: true},
		{Name: "Category", Type: msi.ColString, Size: 32, Nullable: true},
		{Name: "Set", Type: msi.ColString, Nullable: true},
		{Name: "Description", Type: msi.ColString, Size: 255, Nullable: true},
	})
	if err != nil {
		tb.Fatal(err)
	}
	set := msi.StrValue(strings.Repeat("a;", 32<<10-1) + "a")
	null := msi.Value{}
	if err := vt.Insert(msi.StrValue("Numbers"), msi.StrValue("N"), msi.StrValue("N"), null, null, null, null, null, set, null); err != nil {
		tb.Fatal(err)
	}
	nt, err := db.CreateTable("Numbers", []msi.Column{{Name: "N", Type: msi.ColInt32, Key: true}})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range rows {
		if err := nt.Insert(msi.IntValue(int32(i))); err != nil {
			tb.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := db.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkICE03NotInSet runs ICE03 on a package of 20,000 rows whose
// values are not in their column's long set (notInSetPackage), listing
// every finding: the cost of reporting a finding, which validate
// --max-findings 0 of msi-validation-long-lists.msi pays 760,000 times.
func BenchmarkICE03NotInSet(b *testing.B) {
	const rows = 20000
	data := notInSetPackage(b, rows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for f, err := range Findings(context.Background(), db, &Options{Rules: []string{"ICE03"}, MaxFindings: -1}) {
			if err != nil {
				b.Fatal(err)
			}
			if strings.HasPrefix(f.Message, "Value not a member of the set") {
				n++
			}
		}
		if n != rows {
			b.Fatalf("%d findings of values not in the set, want %d", n, rows)
		}
	}
}
