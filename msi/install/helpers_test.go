package install

import (
	"slices"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

func openSample(t testing.TB) *msi.Database {
	t.Helper()
	db, err := msi.Open(testenv.SampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// installFiles is Files collected into a slice, values rather than
// pointers, as tests compare them.
func installFiles(db *msi.Database, opts *Options) ([]File, error) {
	seq, err := Files(db, opts)
	if err != nil {
		return nil, err
	}
	var out []File
	for f := range seq {
		out = append(out, *f)
	}
	return slices.Clip(out), nil
}
