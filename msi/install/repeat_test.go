package install

import (
	"io"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// failedHeld bounds the heap a Report holds per file not found, for the
// copies of a File row a package repeats (testdata/crafted/valid
// msi-duplicate-rows.msi: app.exe 1,601 times, its cabinet holding one):
// the FileError and the list's entry, the copies sharing the error that
// says where the file was expected. It measured 36 bytes, 46-52 since
// FileError holds the file's Path, and once 81 in CI under -race (the
// heap measured also holds what else runs meanwhile: 50 KB over 1,600
// failures); 151 with an error made for each copy, before Path.
const failedHeld = 100

// TestRepeatedRowFailuresShareTheirCause extracts a package repeating a
// File row: each copy the cabinet does not hold is reported, holding
// little more than its FileError.
func TestRepeatedRowFailuresShareTheirCause(t *testing.T) {
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-duplicate-rows.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The tables Extract reads, loaded before measuring.
	if _, err := Extract(db, nil, func(*File, io.Reader) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var rep *Report
	held := testenv.LiveBytes(func() any {
		if rep, err = Extract(db, nil, func(*File, io.Reader) error { return nil }); err != nil {
			t.Fatal(err)
		}
		return rep
	})
	if len(rep.Failed) != 1600 {
		t.Fatalf("%d files failed, want the 1,600 copies of app.exe", len(rep.Failed))
	}
	want := `install: File "app.exe": expected in cabinet "#synth.cab" (sequence 4), not found there; no uncompressed copy either`
	for _, fe := range rep.Failed {
		if got := fe.Error(); got != want {
			t.Fatalf("failure %q, want %q", got, want)
		}
	}
	per := held / uint64(len(rep.Failed))
	t.Logf("%d failures: %d bytes held, %d per failure", len(rep.Failed), held, per)
	if per > failedHeld {
		t.Errorf("the report holds %d bytes per failure, want at most %d", per, failedHeld)
	}
	runtime.KeepAlive(rep)
}
