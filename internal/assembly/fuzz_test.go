package assembly

import (
	"bytes"
	"errors"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/assembly/asmtest"
)

// Per-input limits for the fuzz targets: hostile input must be rejected
// quickly and without large allocations.
const (
	fuzzDeadline = time.Second
	fuzzHeap     = 64 << 20
)

var allocMetric = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}

func allocated() uint64 {
	metrics.Read(allocMetric)
	return allocMetric[0].Value.Uint64()
}

// guard runs f and fails t if it allocates more than fuzzHeap bytes or
// takes longer than fuzzDeadline twice in a row: a slow first run alone is
// retried, since a busy machine (parallel fuzz workers, GC) can stall any
// input; a real hang or blow-up repeats.
func guard(t *testing.T, f func()) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		before, start := allocated(), time.Now()
		f()
		d := time.Since(start)
		if a := allocated() - before; a > fuzzHeap {
			t.Fatalf("allocated %d bytes (limit %d)", a, fuzzHeap)
		}
		if d <= fuzzDeadline {
			return
		}
		if attempt == 2 {
			t.Fatalf("took %v twice (limit %v)", d, fuzzDeadline)
		}
	}
}

func fuzzSeeds() [][]byte {
	specs := []func(*asmtest.Spec){
		func(s *asmtest.Spec) {},
		func(s *asmtest.Spec) { s.PublicKey, s.Culture, s.FileVersion = ecmaKey, "de", fv(1, 2, 3, 4) },
		func(s *asmtest.Spec) { s.Machine, s.PE32Plus, s.HeapSizes = MachineAMD64, true, 7 },
		func(s *asmtest.Spec) {
			s.Fills = []asmtest.Fill{fl(tModule, 1, 10), fl(tTypeRef, 3, 6), fl(tCustomAttribute, 2, 6)}
		},
		func(s *asmtest.Spec) { s.NoAssembly = true },
	}
	var seeds [][]byte
	for _, f := range specs {
		s := baseSpec()
		f(&s)
		seeds = append(seeds, asmtest.BuildPE(s))
	}
	return seeds
}

func FuzzReadDotNet(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		guard(t, func() {
			d, err := ReadDotNet(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				var ue *UnsupportedError
				if !errors.Is(err, ErrFormat) && !errors.As(err, &ue) {
					t.Fatalf("error %v (%T) is neither ErrFormat nor *UnsupportedError", err, err)
				}
				return
			}
			if d.Name == "" || d.Culture == "" || d.Version == "" {
				t.Fatalf("incomplete identity without error: %+v", d.Identity)
			}
		})
	})
}

func FuzzReadManifest(f *testing.F) {
	f.Add([]byte(`<assembly><assemblyIdentity type="win32" name="A" version="1.0.0.0" processorArchitecture="x86" publicKeyToken="6595b64144ccf1df"/></assembly>`))
	f.Add([]byte("\xff\xfe<\x00a\x00/\x00>\x00"))
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1252"?><assembly/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		guard(t, func() {
			id, err := ReadManifest(bytes.NewReader(b))
			if err != nil {
				if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrNoManifest) {
					t.Fatalf("error %v (%T) is neither ErrFormat nor ErrNoManifest", err, err)
				}
				return
			}
			if id.Name == "" {
				t.Fatal("identity without a name and no error")
			}
		})
	})
}

// FuzzReadPE covers ReadPE: the headers, the version resource (fixed
// part, string tables, translations) and the .NET metadata read in file
// order. Whatever it returns must be consistent: errors typed, a .NET
// identity complete.
func FuzzReadPE(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	s := baseSpec()
	s.FileVersion = fv(1, 2, 3, 4)
	s.VersionStrings = [][2]string{{"CompanyName", "Contoso"}, {"ProductName", "Widget"}}
	s.Translations = []uint32{0x04b00409, 0x04e40407}
	f.Add(asmtest.BuildPE(s))
	s.NoAssembly = true
	f.Add(asmtest.BuildPE(s))
	f.Fuzz(func(t *testing.T, b []byte) {
		guard(t, func() {
			p, err := ReadPE(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("error %v (%T) is not ErrFormat", err, err)
				}
				return
			}
			var ue *UnsupportedError
			if p.VersionErr != nil && !errors.Is(p.VersionErr, ErrFormat) {
				t.Fatalf("version error %v is not ErrFormat", p.VersionErr)
			}
			if p.DotNetErr != nil && !errors.Is(p.DotNetErr, ErrFormat) && !errors.As(p.DotNetErr, &ue) {
				t.Fatalf("metadata error %v (%T) is neither ErrFormat nor *UnsupportedError", p.DotNetErr, p.DotNetErr)
			}
			if d := p.DotNet; d != nil && (d.Name == "" || d.Culture == "" || d.Version == "") {
				t.Fatalf("incomplete identity without error: %+v", d.Identity)
			}
			if v := p.Version; v != nil && (len(v.Strings) > maxVersionStrings || len(v.Languages) > maxVersionLanguages) {
				t.Fatalf("%d strings, %d languages: over the limits", len(v.Strings), len(v.Languages))
			}
		})
	})
}
