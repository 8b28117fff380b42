package sbom

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// bigPackage returns a package made by bench/bigmsi: testdata/sample.msi
// plus a cabinet of files MiB in nfiles files that the package installs
// (the first a .NET DLL whose metadata and version resource lie at its
// end). It is cached in the temp folder between runs.
func bigPackage(tb testing.TB, mib, nfiles int) string {
	tb.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("msikit-sbom-bench-%d-%d.msi", mib, nfiles))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	root := testenv.RepoRoot()
	tmp := path + ".tmp"
	cmd := exec.Command("go", "run", "./bench/bigmsi", "-in", testenv.SampleMSI(), "-o", tmp,
		"-mib", strconv.Itoa(mib), "-files", strconv.Itoa(nfiles))
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("bench/bigmsi: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	return path
}

// countingReaderAt counts the bytes read through it and, unless runOf is
// nil, for reads at or past from, the 512-byte sectors of the file that two passes read: a pass
// is a run of reads whose offsets never go backwards (the read-ahead of a
// pass may read a sector twice; a second pass over the same data reads it
// again from a new run).
type countingReaderAt struct {
	r     io.ReaderAt
	from  int64
	n     atomic.Int64
	mu    sync.Mutex
	last  int64
	run   int
	runOf []int32 // 512-byte sector → 1 + the pass that read it
	again int     // blocks read by more than one pass
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	if c.runOf != nil && off >= c.from && n > 0 {
		c.mu.Lock()
		if off < c.last {
			c.run++
		}
		c.last = off
		for b := off >> 9; b <= (off+int64(n)-1)>>9; b++ {
			if b >= int64(len(c.runOf)) {
				break
			}
			if r := c.runOf[b]; r != 0 && r != int32(c.run+1) {
				c.again++
			}
			c.runOf[b] = int32(c.run + 1)
		}
		c.mu.Unlock()
	}
	return n, err
}

// readCounted reads the inventory of the package at path through a
// counting reader (the package's own hashing pass, which reads the file
// once more by design, goes through another); from < 0 counts bytes only. It returns the bytes the
// database reads took, how many 512-byte sectors past from more than one pass
// read, and what
// Read allocated (opening the database, whose CFB allocation table grows
// with the package, is not counted).
func readCounted(tb testing.TB, path string, from int64) (inv *Inventory, read int64, again int, alloc uint64) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	cr := &countingReaderAt{r: f, from: from}
	if from >= 0 {
		cr.runOf = make([]int32, fi.Size()>>9+1)
	}
	db, err := msi.NewDatabase(cr, fi.Size())
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	// What Read reads, not what opening the database read (cfb reads
	// the file's last byte first, to check the size it is given).
	cr.n.Store(0)
	cr.mu.Lock()
	clear(cr.runOf)
	cr.run, cr.last, cr.again = 0, 0, 0
	cr.mu.Unlock()
	_, alloc = testenv.Measure(func() {
		inv, err = Read(db, &Options{SourceDir: filepath.Dir(path), Package: f, PackageSize: fi.Size()})
	})
	if err != nil {
		tb.Fatal(err)
	}
	return inv, cr.n.Load(), cr.again, alloc
}

// TestBigPackageOnePass checks on two packages whose files differ in
// size eightfold that Read reads the big cabinet in one front-to-back
// pass and that what it allocates does not grow with the files' sizes.
func TestBigPackageOnePass(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 72 MiB of packages")
	}
	var allocs []uint64
	for _, mib := range []int{8, 64} {
		path := bigPackage(t, mib, 2)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		// Past the first MiB of the file (the sample's streams), most of
		// the file is the big cabinet.
		inv, read, again, alloc := readCounted(t, path, 1<<20)
		allocs = append(allocs, alloc)
		hashed := int64(0)
		for _, f := range inv.Files {
			if !f.Read || f.PEErr != nil {
				t.Errorf("%d MiB: %s: read %v, PE error %v", mib, f.Path, f.Read, f.PEErr)
			}
			hashed += f.Size
		}
		if hashed < int64(mib)<<20 {
			t.Errorf("%d MiB: files of %d bytes hashed, want at least %d", mib, hashed, int64(mib)<<20)
		}
		if again != 0 {
			t.Errorf("%d MiB: %d sectors of 512 bytes read by more than one pass", mib, again)
		}
		// cab's read-ahead reads again the part of its 64 KiB window a
		// block longer than 32 KiB (stored, incompressible data) does
		// not fit in: at most half as much again.
		if read > fi.Size()*3/2+1<<20 {
			t.Errorf("%d MiB: %d bytes read through the database, package of %d bytes", mib, read, fi.Size())
		}
		t.Logf("%d MiB: package %d bytes, %d read through the database, Read allocated %d bytes", mib, fi.Size(), read, alloc)
	}
	// 56 MiB more of file data may not cost more than 256 KiB more of
	// allocation (buffers are per reader, not per byte).
	if allocs[1] > allocs[0]+256<<10 {
		t.Errorf("Read allocated %d bytes for 8 MiB of files, %d for 64 MiB: memory grows with file sizes", allocs[0], allocs[1])
	}
}

// BenchmarkReadBig reads the inventory of a package of $MSIKIT_BENCH_MIB
// MiB (default 424, the size of the example) in 4 files, the
// first a .NET DLL whose version resource is at its end: every byte is
// decoded from the cabinet and hashed (SHA-256, SHA-1), the DLL parsed as
// it streams by, and the package file hashed once more on another
// goroutine. The package is generated once by bench/bigmsi and kept in
// the temp folder. reads/size is the bytes read through the database per
// byte of package (1: each cabinet read once; cab's read-ahead makes it
// 1.5 for blocks of incompressible data); B/op counts opening the
// database too, whose CFB allocation table grows with the package, and
// Read-B/op only what Read allocates.
func BenchmarkReadBig(b *testing.B) {
	mib := 424
	if s := os.Getenv("MSIKIT_BENCH_MIB"); s != "" {
		mib, _ = strconv.Atoi(s)
	}
	path := bigPackage(b, mib, 4)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	var read int64
	var alloc uint64
	for b.Loop() {
		_, read, _, alloc = readCounted(b, path, -1)
	}
	b.ReportMetric(float64(read)/float64(fi.Size()), "reads/size")
	b.ReportMetric(float64(alloc), "Read-B/op")
}
