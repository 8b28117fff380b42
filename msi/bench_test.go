package msi

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// benchRows is the row count of each big table in the benchmark database.
const benchRows = 100000

var (
	bigOnce sync.Once
	bigPath string
	bigErr  error
)

// bigDatabase returns a database generated once per process: the sample
// package plus benchRows rows each in File, Component, FeatureComponents
// and Registry (rows in the style of ../shared/bench/gen_idt.py), built
// with this package's own writer.
func bigDatabase(b *testing.B) string {
	b.Helper()
	bigOnce.Do(func() {
		db, err := Open(coreSample)
		if err != nil {
			bigErr = err
			return
		}
		defer db.Close()
		tab := func(name string) *Table {
			t, err := db.Table(name)
			if err != nil && bigErr == nil {
				bigErr = err
			}
			return t
		}
		file, comp, fc, reg := tab("File"), tab("Component"), tab("FeatureComponents"), tab("Registry")
		if bigErr != nil {
			return
		}
		exts := []string{"dll", "exe", "txt", "xml", "json", "png", "cfg", "dat"}
		ins := func(t *Table, v ...Value) {
			if err := t.Insert(v...); err != nil && bigErr == nil {
				bigErr = err
			}
		}
		for i := 0; i < benchRows; i++ {
			e := exts[i%len(exts)]
			f, c := fmt.Sprintf("fil%06d", i), fmt.Sprintf("cmp%06d", i)
			ver, lang := Null, Null
			if e == "dll" || e == "exe" {
				ver, lang = StrValue(fmt.Sprintf("1.%d.%d.%d", i%10, i%100, i)), StrValue("1033")
			}
			ins(file, StrValue(f), StrValue(c), StrValue(fmt.Sprintf("F%06d.%s|file_number_%06d.%s", i, e[:3], i, e)),
				IntValue(int32(i*7919%(1<<24)+1)), ver, lang, IntValue(512), IntValue(int32(i+1)))
			ins(comp, StrValue(c), StrValue(fmt.Sprintf("{%08X-0000-4000-8000-%012X}", i+1, int64(i)*2654435761&0xFFFFFFFFFFFF)),
				StrValue("INSTALLDIR"), IntValue(0), Null, StrValue(f))
			ins(fc, StrValue("Core"), StrValue(c))
			ins(reg, StrValue(fmt.Sprintf("reg%06d", i)), IntValue(int32(i%4)), StrValue(fmt.Sprintf(`Software\msikit\bench\key%d`, i%1000)),
				StrValue(fmt.Sprintf("value%d", i)), StrValue(fmt.Sprintf("data %d", i)), StrValue(c))
		}
		if bigErr != nil {
			return
		}
		dir, err := os.MkdirTemp("", "msikit-bench-")
		if err != nil {
			bigErr = err
			return
		}
		bigPath = filepath.Join(dir, "big.msi")
		bigErr = db.Save(bigPath, nil)
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigPath
}

func fileSize(b *testing.B, p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// BenchmarkOpen measures Open alone (lazy: no table rows are decoded).
func BenchmarkOpen(b *testing.B) {
	p := bigDatabase(b)
	b.SetBytes(fileSize(b, p))
	b.ReportAllocs()
	for b.Loop() {
		db, err := Open(p)
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

// BenchmarkOpenOneTable measures what a tool reading one small table pays
// with lazy decoding: Open plus the Property table.
func BenchmarkOpenOneTable(b *testing.B) {
	p := bigDatabase(b)
	b.SetBytes(fileSize(b, p))
	b.ReportAllocs()
	for b.Loop() {
		db, err := Open(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Table("Property"); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

// BenchmarkDecodeAll measures Open plus decoding every table and turning
// every cell into its text: the cost eager decoding would add to every
// Open, and what a full export needs.
func BenchmarkDecodeAll(b *testing.B) {
	p := bigDatabase(b)
	b.SetBytes(fileSize(b, p))
	b.ReportAllocs()
	for b.Loop() {
		db, err := Open(p)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, name := range db.TableNames() {
			t, err := db.Table(name)
			if err != nil {
				b.Fatal(err)
			}
			for r := range t.Rows() {
				for i := 0; i < r.Len(); i++ {
					n += len(r.At(i).String())
				}
			}
		}
		db.Close()
	}
}

// BenchmarkWriteOneChange changes one Property row of the big database
// and writes it (only Property and the pool are re-encoded).
func BenchmarkWriteOneChange(b *testing.B) {
	p := bigDatabase(b)
	b.SetBytes(fileSize(b, p))
	b.ReportAllocs()
	for b.Loop() {
		db, err := Open(p)
		if err != nil {
			b.Fatal(err)
		}
		t, _ := db.Table("Property")
		if err := t.Update([]Value{StrValue("Manufacturer")}, func(v []Value) error {
			v[1] = StrValue("Bench Corp")
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if _, err := db.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

// BenchmarkRepack re-encodes every table and the pool (Compact).
func BenchmarkRepack(b *testing.B) {
	p := bigDatabase(b)
	b.SetBytes(fileSize(b, p))
	b.ReportAllocs()
	for b.Loop() {
		db, err := Open(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Write(io.Discard, &WriteOptions{Compact: true}); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

// BenchmarkParsePool measures decoding the big database's string pool.
func BenchmarkParsePool(b *testing.B) {
	p := bigDatabase(b)
	db, err := Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	pool, _ := db.readStream(db.tableStreams[poolStream], poolStream, "")
	data, _ := db.readStream(db.tableStreams[dataStream], dataStream, "")
	b.SetBytes(int64(len(pool) + len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := parsePool(pool, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInsert measures validated inserts into a fresh table.
func BenchmarkInsert(b *testing.B) {
	db, err := NewDatabase(bytes.NewReader(mustRead(b, coreSample)), int64(len(mustRead(b, coreSample))))
	if err != nil {
		b.Fatal(err)
	}
	t, err := db.CreateTable("BenchInsert", []Column{
		{Name: "K", Type: ColString, Size: 72, Key: true},
		{Name: "V", Type: ColInt32, Nullable: true},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := t.Insert(StrValue(fmt.Sprintf("key%d", i)), IntValue(int32(i))); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func mustRead(b *testing.B, p string) []byte {
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkInsertLongText inserts rows that each name the same 2 MB text
// (as a library user, or a rewrite copying a pooled string, does), ASCII
// and not, then updates such rows: the cost of a row should not grow
// with the length of a text the pool already has.
func BenchmarkInsertLongText(b *testing.B) {
	data := mustRead(b, coreSample)
	for _, tc := range []struct{ name, long string }{
		{"ASCII", strings.Repeat("[LONG]", 350_000)},
		{"NonASCII", strings.Repeat("[LÖNG]", 300_000)},
	} {
		db, err := NewDatabase(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		t, err := db.CreateTable("BenchLong", []Column{
			{Name: "K", Type: ColString, Size: 72, Key: true},
			{Name: "V", Type: ColString, Size: 255, Nullable: true},
			{Name: "N", Type: ColInt32},
		})
		if err != nil {
			b.Fatal(err)
		}
		v := StrValue(tc.long)
		i := 0
		b.Run("Insert/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := t.Insert(StrValue(fmt.Sprintf("key%d", i)), v, IntValue(0)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run("Update/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			j := 0
			for b.Loop() {
				key := []Value{StrValue(fmt.Sprintf("key%d", j%i))}
				if err := t.Update(key, func(vals []Value) error {
					vals[2] = IntValue(int32(j))
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				j++
			}
		})
	}
}

// BenchmarkSaveStreams saves the sample package with n one-byte streams
// set (what an import of n binary cell files leaves to Save): the new
// PackageCode's hash, the write and the read-back, whose check of the
// streams set is a digest (savecheck_test.go). Bytes are the streams'.
func BenchmarkSaveStreams(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("streams=%d", n), func(b *testing.B) {
			sample, err := os.ReadFile(coreSample)
			if err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(b.TempDir(), "out.msi")
			one := strings.NewReader("x")
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				db, err := NewDatabase(bytes.NewReader(sample), int64(len(sample)))
				if err != nil {
					b.Fatal(err)
				}
				for i := range n {
					if err := db.SetStream(fmt.Sprintf("Binary.s%d", i), one, 1); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if err := db.Save(out, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/stream")
		})
	}
}

// BenchmarkSetStreamNames sets 10,000 streams on a fresh database, named
// in ASCII (packed, no case: no clash is possible) or with a character
// outside ASCII (each looked up in the index of names that differ only
// in case, streamCaseClash).
func BenchmarkSetStreamNames(b *testing.B) {
	const n = 10000
	for _, prefix := range []string{"Binary.b", "Binary.é"} {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		b.Run(prefix, func(b *testing.B) {
			b.ReportAllocs()
			r := strings.NewReader("x")
			for b.Loop() {
				b.StopTimer()
				db := openSample(b)
				b.StartTimer()
				for _, name := range names {
					if err := db.SetStream(name, r, 1); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/stream")
		})
	}
}
