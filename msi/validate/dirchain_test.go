package validate

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/msi"
)

// A chainShape is a way to lay out a long Directory chain.
type chainShape int

const (
	// chainNamed: D0 under INSTALLDIR, D1 under D0..., each with a name,
	// the base component in the deepest.
	chainNamed chainShape = iota
	// chainLoop: the same, but D0's parent is the last directory: a loop
	// that reaches no root.
	chainLoop
	// chainDots: each directory is named "." (its parent's folder), and
	// holds two components that install a file of the same name, distinct
	// per directory: one ICE30 collision per directory, whose message
	// renders a path through the whole chain above it.
	chainDots
)

func (s chainShape) String() string {
	return [...]string{"named", "loop", "dots"}[s]
}

// dirChain returns a package (baseInstaller) whose Directory table also
// holds a chain of n directories of the given shape.
func dirChain(tb testing.TB, n int, shape chainShape) []byte {
	tb.Helper()
	f := baseInstaller()
	parent := "INSTALLDIR"
	if shape == chainLoop {
		parent = fmt.Sprintf("D%d", n-1)
	}
	for i := range n {
		k := fmt.Sprintf("D%d", i)
		name := fmt.Sprintf("d%d", i%10)
		if shape == chainDots {
			name = "."
			for j := range 2 {
				c, file := fmt.Sprintf("C%d_%d", i, j), fmt.Sprintf("F%d_%d", i, j)
				f.add("Component", row(c, fmt.Sprintf("{%08X-0000-4000-8000-%012X}", i, j), k, 0, "", file))
				f.add("File", row(file, c, fmt.Sprintf("f%d.txt", i), 1, "", "", 512, 2+2*i+j))
				f.add("FeatureComponents", row("Main", c))
			}
		}
		f.add("Directory", row(k, parent, name))
		parent = k
	}
	if shape != chainDots {
		f.tables["Component"][0][2] = parent
	}
	var buf bytes.Buffer
	if _, err := f.build(tb).WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func openBytes(tb testing.TB, data []byte) *msi.Database {
	tb.Helper()
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

// allocated returns the bytes Validate allocates on db, and its findings.
func allocated(tb testing.TB, db *msi.Database) (uint64, []Finding) {
	tb.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fs, err := Validate(db, nil)
	runtime.ReadMemStats(&after)
	if err != nil {
		tb.Fatal(err)
	}
	return after.TotalAlloc - before.TotalAlloc, fs
}

// TestDirectoryChainLinear checks that validating a Directory chain four
// times longer allocates less than five times as much, for each shape:
// the directories are resolved once, not once per row that names one or
// per finding that renders one (render used to walk the whole chain of
// "." folders for each collision, with a map as long as the chain). The
// results stay findings, never a stack overflow.
func TestDirectoryChainLinear(t *testing.T) {
	const n = 2000
	for _, shape := range []chainShape{chainNamed, chainLoop, chainDots} {
		t.Run(shape.String(), func(t *testing.T) {
			small, fsSmall := allocated(t, openBytes(t, dirChain(t, n, shape)))
			big, fsBig := allocated(t, openBytes(t, dirChain(t, 4*n, shape)))
			t.Logf("%d directories: %d bytes; %d: %d bytes (×%.2f)", n, small, 4*n, big, float64(big)/float64(small))
			if big > 5*small {
				t.Errorf("a chain 4× longer allocates %.1f× as much (%d → %d bytes)", float64(big)/float64(small), small, big)
			}
			// What each shape is found to break, by rule and severity.
			for _, c := range []struct {
				n  int
				fs []Finding
			}{{n, fsSmall}, {4 * n, fsBig}} {
				got := map[string]int{}
				for _, f := range c.fs {
					k := f.ICE + " " + f.Severity.String()
					if f.Omitted > 0 {
						got[k] += f.Omitted
					} else {
						got[k]++
					}
				}
				// The package has no _Validation table: ICE03 says so.
				want := map[string]int{"ICE03 info": 1}
				if shape == chainDots {
					// Each directory's two components collide on SFN and
					// LFN systems; each collision names both files.
					want["ICE30 error"] = 2 * 2 * c.n
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%d directories: findings by rule (-want +got):\n%s", c.n, diff)
				}
			}
		})
	}
}

// TestDirectoryChainMessages checks the path an ICE30 finding renders
// through a chain of "." folders: the folder they all resolve to.
func TestDirectoryChainMessages(t *testing.T) {
	fs, err := Validate(openBytes(t, dirChain(t, 50, chainDots)), &Options{Rules: []string{"ICE30"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `The target file 'F49.TXT' is installed in 'ProgramFilesFolder\Acme' by two different components on an SFN system: 'C49_0' and 'C49_1'. This breaks component reference counting`
	for _, f := range fs {
		if len(f.Key) == 1 && f.Key[0] == "F49_1" && f.Message == want {
			return
		}
	}
	t.Errorf("no finding on F49_1 says %q; got %v", want, fs[:min(len(fs), 4)])
}

// BenchmarkValidateDirectoryChain validates packages whose Directory
// table holds a chain of 10,000 to 160,000 directories (named, and looping
// back on itself), opened from memory.
func BenchmarkValidateDirectoryChain(b *testing.B) {
	for _, n := range []int{10000, 40000, 160000} {
		for _, shape := range []chainShape{chainNamed, chainLoop} {
			b.Run(fmt.Sprintf("%dk-%s", n/1000, shape), func(b *testing.B) {
				data := dirChain(b, n, shape)
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				start := processCPU()
				for b.Loop() {
					if _, err := Validate(openBytes(b, data), nil); err != nil {
						b.Fatal(err)
					}
				}
				if cpu := processCPU(); start != 0 && b.N > 0 {
					b.ReportMetric(float64(cpu-start)/float64(b.N)/1e6, "cpu-ms/op")
				}
			})
		}
	}
}
