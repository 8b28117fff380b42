package idt

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// idtBenchRows is the row count of each big table in the benchmark database
// (issue 3 #5, issue 4 #7): File, Component, FeatureComponents, Registry.
const idtBenchRows = 100000

// genBenchIDT writes the four big tables as IDT text, in the shapes of
// ../shared/bench/gen_idt.py (same columns, keys and value patterns; the
// pseudo-random sizes and registry values come from Go's generator).
func genBenchIDT(n int) map[string]string {
	rng := rand.New(rand.NewPCG(20240521, 1))
	exts := []string{"dll", "exe", "txt", "xml", "json", "png", "cfg", "dat"}
	var file, comp, fc, reg strings.Builder
	file.WriteString("File\tComponent_\tFileName\tFileSize\tVersion\tLanguage\tAttributes\tSequence\r\n" +
		"s72\ts72\tl255\ti4\tS72\tS20\tI2\ti4\r\nFile\tFile\r\n")
	comp.WriteString("Component\tComponentId\tDirectory_\tAttributes\tCondition\tKeyPath\r\n" +
		"s72\tS38\ts72\ti2\tS255\tS72\r\nComponent\tComponent\r\n")
	fc.WriteString("Feature_\tComponent_\r\ns38\ts72\r\nFeatureComponents\tFeature_\tComponent_\r\n")
	reg.WriteString("Registry\tRoot\tKey\tName\tValue\tComponent_\r\n" +
		"s72\ti2\tl255\tL255\tL0\ts72\r\nRegistry\tRegistry\r\n")
	for i := 0; i < n; i++ {
		e := exts[i%len(exts)]
		ver, lang := "", ""
		if e == "dll" || e == "exe" {
			ver, lang = fmt.Sprintf("1.%d.%d.%d", i%10, i%100, i), "1033"
		}
		fmt.Fprintf(&file, "fil%06d\tcmp%06d\tF%06d.%s|file_number_%06d_%s.%s\t%d\t%s\t%s\t512\t%d\r\n",
			i, i, i, e[:3], i, strings.Repeat("x", i%17), e, 1+rng.IntN(1<<24-1), ver, lang, i+1)
		g := i + 1
		fmt.Fprintf(&comp, "cmp%06d\t{%08X-%04X-%04X-%04X-%012X}\tINSTALLDIR\t0\t\tfil%06d\r\n",
			i, g, (g*7)&0xFFFF, 0x4000|(g&0xFFF), 0x8000|(g&0x3FFF), (uint64(g)*2654435761)&0xFFFFFFFFFFFF, i)
		fmt.Fprintf(&fc, "Main\tcmp%06d\r\n", i)
		val := fmt.Sprintf("string value %d", i)
		if i%3 != 0 {
			val = "#" + strconv.FormatInt(rng.Int64N(1<<31), 10)
		}
		fmt.Fprintf(&reg, "reg%06d\t%d\tSoftware\\Acme\\Product\\Section%04d\\Sub%03d\tValue%06d\t%s\tcmp%06d\r\n",
			i, i%4, i/100, i%100, i, val, i)
	}
	return map[string]string{"File": file.String(), "Component": comp.String(),
		"FeatureComponents": fc.String(), "Registry": reg.String()}
}

// reportCPU adds the metric cpu-ms/op: the process CPU time (all
// goroutines, GC included) per iteration since start. It is the figure
// bench/compare.sh sets against the CPU time of the msitools processes,
// and unlike ns/op it does not depend on what else the machine runs.
func reportCPU(b *testing.B, start time.Duration) {
	if start == 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(processCPU()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

var idtBenchDB struct {
	once sync.Once
	data []byte
	err  error
}

// idtBenchDatabase returns the bytes of the benchmark database: the file named
// by $MSIKIT_BENCH_DB (bench/compare.sh passes the one it measures msitools
// on), else testdata/sample.msi with the four generated 100k-row tables
// imported by ImportIDT and written by WriteTo, cached in the temp folder.
func idtBenchDatabase(b *testing.B) []byte {
	idtBenchDB.once.Do(func() {
		if p := os.Getenv("MSIKIT_BENCH_DB"); p != "" {
			idtBenchDB.data, idtBenchDB.err = os.ReadFile(p)
			return
		}
		cache := filepath.Join(os.TempDir(), fmt.Sprintf("msikit-bench-%d-v1.msi", idtBenchRows))
		if d, err := os.ReadFile(cache); err == nil {
			idtBenchDB.data = d
			return
		}
		db, err := msi.Open(testenv.SampleMSI())
		if err != nil {
			idtBenchDB.err = err
			return
		}
		defer db.Close()
		idts := genBenchIDT(idtBenchRows)
		for _, t := range []string{"File", "Component", "FeatureComponents", "Registry"} {
			if _, err := Import(db, strings.NewReader(idts[t]), nil); err != nil {
				idtBenchDB.err = fmt.Errorf("import %s: %w", t, err)
				return
			}
		}
		var out bytes.Buffer
		if _, err := db.WriteTo(&out); err != nil {
			idtBenchDB.err = err
			return
		}
		idtBenchDB.data = out.Bytes()
		os.WriteFile(cache, idtBenchDB.data, 0o666) // best effort
	})
	if idtBenchDB.err != nil {
		b.Fatal(idtBenchDB.err)
	}
	return idtBenchDB.data
}

// BenchmarkExportAllTables opens the 100k-row database from memory, decodes
// every table and writes every table (and the two pseudo-tables) as IDT
// text: what "msikit export -d" does, minus the files. Compare with
// "msiinfo export FILE File" (one table) in bench/compare.sh.
func BenchmarkExportAllTables(b *testing.B) {
	data := idtBenchDatabase(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	defer reportCPU(b, processCPU())
	b.ResetTimer()
	for b.Loop() {
		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range Tables(db) {
			if err := Export(io.Discard, db, t, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkExportFileTable exports only the 100k-row File table (open and
// decode included): the same work as "msiinfo export FILE File".
func BenchmarkExportFileTable(b *testing.B) {
	data := idtBenchDatabase(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	defer reportCPU(b, processCPU())
	b.ResetTimer()
	for b.Loop() {
		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		if err := Export(io.Discard, db, "File", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChangePropertyAndWrite opens the 100k-row database, changes one
// Property row (through ImportIDT of a one-table IDT, as "msikit import"
// does) and writes the whole package: the job "msibuild -i" does in
// bench/compare.sh.
func BenchmarkChangePropertyAndWrite(b *testing.B) {
	data := idtBenchDatabase(b)
	db0, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	var prop bytes.Buffer
	if err := Export(&prop, db0, "Property", nil); err != nil {
		b.Fatal(err)
	}
	idt := prop.String() + "BenchChanged\tyes\r\n"
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	defer reportCPU(b, processCPU())
	b.ResetTimer()
	for b.Loop() {
		db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Import(db, strings.NewReader(idt), nil); err != nil {
			b.Fatal(err)
		}
		if _, err := db.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImportIDT imports the 100k-row File table into the sample
// package (parsing, validation, insertion; no write).
func BenchmarkImportIDT(b *testing.B) {
	idt := genBenchIDT(idtBenchRows)["File"]
	sample, err := os.ReadFile(testenv.SampleMSI())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(idt)))
	b.ReportAllocs()
	defer reportCPU(b, processCPU())
	b.ResetTimer()
	for b.Loop() {
		db, err := msi.NewDatabase(bytes.NewReader(sample), int64(len(sample)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Import(db, strings.NewReader(idt), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRowSeries are the row counts of the scaling series (issue 23 #4):
// cost per row should stay flat across them.
var benchRowSeries = []int{10000, 100000, 1000000}

// BenchmarkImportRows imports an n-row File table into the sample package
// and writes the package (what "msikit import -o" does), for each n of
// the series; it reports bytes allocated and CPU time per row, and the
// heap in use after the import per row (the memory the table and its
// strings keep). bench/rows.sh measures peak RSS of the command.
func BenchmarkImportRows(b *testing.B) {
	sample, err := os.ReadFile(testenv.SampleMSI())
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range benchRowSeries {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			if n > 100000 && testing.Short() {
				b.Skip("-short")
			}
			idt := genBenchIDT(n)["File"]
			b.SetBytes(int64(len(idt)))
			b.ReportAllocs()
			var live uint64
			defer reportCPU(b, processCPU())
			b.ResetTimer()
			for b.Loop() {
				db, err := msi.NewDatabase(bytes.NewReader(sample), int64(len(sample)))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Import(db, strings.NewReader(idt), nil); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				live = heapInUse()
				b.StartTimer()
				if _, err := db.WriteTo(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(live)/float64(n), "live-B/row")
		})
	}
}

// BenchmarkExportRows opens a package holding an n-row File table and
// exports that table as IDT (what "msikit export FILE File" does), for
// each n of the series.
func BenchmarkExportRows(b *testing.B) {
	sample, err := os.ReadFile(testenv.SampleMSI())
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range benchRowSeries {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			if n > 100000 && testing.Short() {
				b.Skip("-short")
			}
			db, err := msi.NewDatabase(bytes.NewReader(sample), int64(len(sample)))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Import(db, strings.NewReader(genBenchIDT(n)["File"]), nil); err != nil {
				b.Fatal(err)
			}
			var pkg bytes.Buffer
			if _, err := db.WriteTo(&pkg); err != nil {
				b.Fatal(err)
			}
			data := pkg.Bytes()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			defer reportCPU(b, processCPU())
			b.ResetTimer()
			for b.Loop() {
				db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
				if err != nil {
					b.Fatal(err)
				}
				if err := Export(io.Discard, db, "File", nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// heapInUse returns the bytes of heap in use after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// BenchmarkImportUnchangedBinary imports a table with binary cells whose
// files hold the bytes of the package's streams (what "msikit export -d"
// then "msikit import" does): every cell file is compared with its
// stream, and the database stays unmodified. Bytes are those compared.
func BenchmarkImportUnchangedBinary(b *testing.B) {
	for _, c := range []struct{ cells, size int }{{1000, 4 << 10}, {16, 1 << 20}} {
		b.Run(fmt.Sprintf("cells=%d,size=%d", c.cells, c.size), func(b *testing.B) {
			dir := b.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "Bin"), 0o755); err != nil {
				b.Fatal(err)
			}
			var idt strings.Builder
			idt.WriteString("Name\tData\r\ns72\tv0\r\nBin\tName\r\n")
			rng := rand.New(rand.NewPCG(1, 2))
			data := make([]byte, c.size)
			for i := 0; i < c.cells; i++ {
				for j := range data {
					data[j] = byte(rng.Uint32())
				}
				name := fmt.Sprintf("cell%04d", i)
				if err := os.WriteFile(filepath.Join(dir, "Bin", name), data, 0o644); err != nil {
					b.Fatal(err)
				}
				fmt.Fprintf(&idt, "%s\t%s\r\n", name, name)
			}
			file := filepath.Join(dir, "Bin.idt")
			if err := os.WriteFile(file, []byte(idt.String()), 0o644); err != nil {
				b.Fatal(err)
			}
			db, err := msi.Open(testenv.SampleMSI())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ImportFile(db, file); err != nil {
				b.Fatal(err)
			}
			var pkg bytes.Buffer
			if _, err := db.WriteTo(&pkg); err != nil {
				b.Fatal(err)
			}
			db.Close()
			b.SetBytes(int64(c.cells * c.size))
			b.ReportAllocs()
			defer reportCPU(b, processCPU())
			b.ResetTimer()
			for b.Loop() {
				db, err := msi.NewDatabase(bytes.NewReader(pkg.Bytes()), int64(pkg.Len()))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ImportFile(db, file); err != nil {
					b.Fatal(err)
				}
				if db.Modified() {
					b.Fatal("the import of the same cells modified the database")
				}
			}
		})
	}
}

// BenchmarkImportCellFiles imports a Binary table whose rows each name
// their own one-byte cell file (bench/cellsgen's layout; SECURITY.md
// measures `msikit import` of 250,000) into the sample package and saves
// it: a stat and a read per file, a stream each, and Save's read-back.
// ns/cell should stay flat across the series.
func BenchmarkImportCellFiles(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("cells=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			writeCellFolder(b, dir, n)
			sample, err := os.ReadFile(testenv.SampleMSI())
			if err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(dir, "out.msi")
			b.SetBytes(int64(n)) // the cell files' bytes
			b.ReportAllocs()
			defer reportCPU(b, processCPU())
			for b.Loop() {
				db, err := msi.NewDatabase(bytes.NewReader(sample), int64(len(sample)))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ImportFile(db, filepath.Join(dir, "Binary.idt")); err != nil {
					b.Fatal(err)
				}
				if err := db.Save(out, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/cell")
		})
	}
}

// BenchmarkImportBinaryKeys imports 10,000 binary rows naming one cell
// file, keyed so that the check of their stream names against each
// other's (streamClash) does nothing (ASCII keys), or runs: keys outside
// ASCII, whose names could differ only in case, and two keys with a ".",
// whose names could be equal. It reports CPU time per row.
func BenchmarkImportBinaryKeys(b *testing.B) {
	const n = 10000
	sample, err := os.ReadFile(testenv.SampleMSI())
	if err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct{ name, header, row string }{
		{"ascii", "Name\tData\r\ns72\tv0\r\nBinary\tName\r\n", "b%x\tf.bin\r\n"},
		{"cased", "Name\tData\r\ns72\tv0\r\nBinary\tName\r\n", "é%x\tf.bin\r\n"},
		{"dotted", "A\tB\tData\r\ns72\ts72\tv0\r\nBinary\tA\tB\r\n", "a.%[1]x\tb.%[1]x\tf.bin\r\n"},
	} {
		b.Run("keys="+tt.name, func(b *testing.B) {
			var text strings.Builder
			text.WriteString(tt.header)
			for i := range n {
				fmt.Fprintf(&text, tt.row, i)
			}
			idt := text.String()
			files := fstest.MapFS{"Binary/f.bin": &fstest.MapFile{Data: []byte("x")}}
			b.SetBytes(int64(len(idt)))
			b.ReportAllocs()
			defer reportCPU(b, processCPU())
			for b.Loop() {
				db, err := msi.NewDatabase(bytes.NewReader(sample), int64(len(sample)))
				if err != nil {
					b.Fatal(err)
				}
				if tt.name == "dotted" {
					if err := db.DropTable("Binary"); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := Import(db, strings.NewReader(idt), files); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
		})
	}
}
