package msilog

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/internal/testenv"
)

// repeatReader yields n bytes: unit repeated.
type repeatReader struct {
	unit []byte
	off  int
	left int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if len(r.unit) < 32<<10 {
		r.unit = bytes.Repeat(r.unit, (32<<10)/len(r.unit)+1)
	}
	n := 0
	for n < len(p) && r.left > 0 {
		c := copy(p[n:], r.unit[r.off:])
		if int64(c) > r.left {
			c = int(r.left)
		}
		n += c
		r.left -= int64(c)
		r.off = (r.off + c) % len(r.unit)
	}
	return n, nil
}

// heapGrowth runs f and returns its wall time and how much the heap
// obtained from the system grew (a bound on the peak live heap), whatever
// f allocated and freed along the way.
func heapGrowth(f func()) (time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	el := time.Since(start)
	runtime.ReadMemStats(&after)
	if after.HeapSys < before.HeapSys {
		return el, 0
	}
	return el, after.HeapSys - before.HeapSys
}

// TestExplainHostile feeds Explain what no log holds: binary garbage, one
// endless line, and a log of a gigabyte (256 MiB with -short or -race). Small
// inputs must stay within the usual budgets; the large ones within a flat
// heap and a time linear in their size.
func TestExplainHostile(t *testing.T) {
	garbage := make([]byte, 4<<20)
	rand.New(rand.NewSource(1)).Read(garbage)
	nulls := bytes.Repeat([]byte{0xFF, 0xFE, 0, 0, 0xD8, 0x00}, 1<<18) // a BOM, then NULs and unpaired surrogates
	small := map[string][]byte{
		"random bytes":         garbage,
		"UTF-16 garbage":       nulls,
		"4 MiB line":           bytes.Repeat([]byte("Action start 10:00:00: "), 4<<20/23),
		"lines of descriptors": bytes.Repeat([]byte("Descriptor: !!!!!!!!!!!!!!!!!!!!"+string(bytes.Repeat([]byte("F"), 38))+"<\n"), 40000),
		"every keyword":        bytes.Repeat([]byte("Action ended 1: X. Return value 3. Error 1935. Detection of product 'a', feature 'b', component 'c' failed\r\n"), 40000),
		"proxy pairs":          bytes.Repeat([]byte("Windows Installer proxy information not correctly registered\r\nFailed to connect to server. Error: 0x80004005\r\n"), 40000),
	}
	for name, b := range small {
		testenv.CheckBudget(t, name, func() {
			x, err := Explain(bytes.NewReader(b), nil)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(x.Events) > DefaultMaxEvents || len(x.Causes) > DefaultMaxEvents+16 {
				t.Errorf("%s: %d events, %d causes", name, len(x.Events), len(x.Causes))
			}
		})
	}

	size := int64(1 << 30)
	if testing.Short() || testenv.RaceEnabled {
		size = 256 << 20
	}
	big := map[string]*repeatReader{
		"endless line":    {unit: []byte("A"), left: size},
		"gigabyte log":    {unit: []byte("MSI (s) (50:F4) [12:00:00:000]: Action start 12:00:00: InstallFiles.\r\nMSI (s) (50:F4) [12:00:00:000]: Executing op: FileCopy(SourceName=a.dll,SourceCabKey=a.dll,DestName=a.dll)\r\nProperty(S): X = y\r\n"), left: size},
		"gigabyte UTF-16": {unit: utf16LE("MSI (s) (50:F4) [12:00:00:000]: Note: 1: 2205 2: 3: Error \r\nAction ended 1: X. Return value 1.\r\n", false), left: size},
	}
	for name, r := range big {
		el, grew := heapGrowth(func() {
			x, err := Explain(r, nil)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if x.Lines == 0 {
				t.Errorf("%s: no lines read", name)
			}
		})
		mbps := float64(size) / el.Seconds() / 1e6
		t.Logf("%s: %d MiB in %v (%.0f MB/s), heap grew %d KiB", name, size>>20, el.Round(time.Millisecond), mbps, grew>>10)
		if grew > 64<<20 {
			t.Errorf("%s: the heap grew by %d MiB (limit 64 MiB)", name, grew>>20)
		}
		// A bound on runaway work, not a benchmark: 10 MB/s is far below
		// what the reader does on a loaded machine.
		if limit := testenv.Scaled(time.Duration(size/10e6) * time.Second); el > limit {
			t.Errorf("%s took %v (limit %v)", name, el, limit)
		}
	}
}

// countingPackage is fakePackage counting the questions asked.
type countingPackage struct {
	fakePackage
	n *int
}

func (p countingPackage) Component(code string) string { *p.n++; return p.fakePackage.Component(code) }
func (p countingPackage) Feature(name string) string   { *p.n++; return p.fakePackage.Feature(name) }

// TestExplainAsksForListedEvents: the package is asked about the events
// Explain lists, not about each of a log's lines naming a code (with a
// package whose answers cost its size, 30,000 such lines took 32 s).
func TestExplainAsksForListedEvents(t *testing.T) {
	line := "Detection of product '{90110409-6000-11D3-8CFE-0150048383C9}', feature 'WORDFiles', component '{1EBDE4BC-9A51-4630-B541-2561FA45CCC5}' failed.\r\n" +
		"Descriptor: ']gAVn-}f(ZXfeAR6.jiWORDFiles>P`os,1@SW=P7v6GPl]Xh\r\n"
	var n int
	x, err := Explain(strings.NewReader(strings.Repeat(line, 20000)), &Options{Package: countingPackage{n: &n}})
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Events) != DefaultMaxEvents || x.Dropped != 40000-DefaultMaxEvents {
		t.Errorf("%d events, %d dropped; want %d and %d", len(x.Events), x.Dropped, DefaultMaxEvents, 40000-DefaultMaxEvents)
	}
	// A feature and a component an event.
	if n != 2*DefaultMaxEvents {
		t.Errorf("the package was asked %d questions, want %d (two for each listed event)", n, 2*DefaultMaxEvents)
	}
}

// BenchmarkExplain measures Explain on a realistic Windows log line mix.
func BenchmarkExplain(b *testing.B) {
	unit := []byte("MSI (s) (50:F4) [12:00:00:000]: Action start 12:00:00: InstallFiles.\r\nMSI (s) (50:F4) [12:00:00:000]: Executing op: FileCopy(SourceName=a.dll,SourceCabKey=a.dll,DestName=a.dll)\r\nProperty(S): X = y\r\nMSI (s) (50:F4) [12:00:00:000]: Component: C; Installed: Absent;   Request: Local;   Action: Local\r\n")
	const size = 64 << 20
	b.SetBytes(size)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Explain(&repeatReader{unit: unit, left: size}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// longCodePackage is fakePackage with a product code of 60,000 bytes (a
// ProductCode property a hostile package may hold).
type longCodePackage struct{ fakePackage }

func (longCodePackage) ProductCode() string { return strings.Repeat("P", 60000) }

// TestExplainClipsSharedTexts: a cause or a package note quotes a text
// over clip.Max clipped, so that one long text the log or the package
// gives once is not copied into each of the 500 events and causes naming
// it. One detection-request line naming a 60,000-byte component, followed
// by 499 short detection-component lines of its feature (91 KB), made 30
// MB of text; a 60,000-byte ProductCode, quoted by each event and cause
// of a 270 KB log, 60 MB.
func TestExplainClipsSharedTexts(t *testing.T) {
	long := strings.Repeat("C", 60000)
	log := "Detection of product 'P', feature 'F' failed during request for component '" + long + "'\r\n" +
		strings.Repeat("Detection of product 'P', feature 'F', component 'x' failed.\r\n", DefaultMaxEvents-1)
	for _, tc := range []struct {
		name string
		log  string
		opts *Options
		want string // the first cause's summary or first package note
	}{
		{"shared request", log, nil,
			"component x's key path is missing, and the entry point asking for component " + clip.String(long) + " triggered the check of feature F"},
		{"long product code", strings.Repeat("Detection of product 'Q', feature 'F', component 'x' failed.\r\n", 2000), &Options{Package: longCodePackage{}},
			"product Q is not the package's (" + clip.String(strings.Repeat("P", 60000)) + ")"},
	} {
		x, err := Explain(strings.NewReader(tc.log), tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := x.Causes[0].Summary
		if tc.opts != nil {
			got = x.Events[0].Package[0]
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		var text, js bytes.Buffer
		if err := x.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if err := json.NewEncoder(&js).Encode(x); err != nil {
			t.Fatal(err)
		}
		// Each of 500 events and causes may quote a few clipped texts.
		const limit = 2 << 20
		if text.Len() > limit || js.Len() > limit {
			t.Errorf("%s: %d bytes of text, %d of JSON from a log of %d (limit %d)", tc.name, text.Len(), js.Len(), len(tc.log), limit)
		}
	}
}

// A detection-component line is paired with the last request of its
// product (case folded, as strings.EqualFold) and feature, found by key:
// 250 requests and 250 component lines of one product of 5,000 non-ASCII
// characters (5 MB) took 2 s of CPU comparing each line's product with
// every request's.
func TestExplainDetectionPairsByKey(t *testing.T) {
	product := "{" + strings.Repeat("\u0130", 5000) + "}"
	var b strings.Builder
	for range 250 {
		b.WriteString("Detection of product '" + product + "', feature 'a' failed during request for component 'c'\r\n")
	}
	for range 250 {
		b.WriteString("Detection of product '" + product + "', feature 'b', component 'x' failed.\r\n")
	}
	// Pairs: K and the Kelvin sign fold together, İ and i do not.
	b.WriteString("Detection of product 'k', feature 'f' failed during request for component 'c1'\r\n" +
		"Detection of product '\u0130', feature 'f' failed during request for component 'c2'\r\n" +
		"Detection of product '\u212a', feature 'f', component 'x1' failed.\r\n" +
		"Detection of product 'i', feature 'f', component 'x2' failed.\r\n")
	log := b.String()
	var x *Explanation
	testenv.CheckBudget(t, "500 detection lines of one 10 KB product", func() {
		var err error
		if x, err = Explain(strings.NewReader(log), &Options{MaxEvents: 504}); err != nil {
			t.Fatal(err)
		}
	})
	var got [][]int
	for _, c := range x.Causes {
		got = append(got, c.Lines)
	}
	want := [][]int{}
	for n := 251; n <= 500; n++ {
		want = append(want, []int{n})
	}
	want = append(want, []int{501, 503}, []int{504})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the causes' lines (-want +got):\n%s", diff)
	}
}
