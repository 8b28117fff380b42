package transform

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

func openSampleDB(t *testing.T) *msi.Database {
	t.Helper()
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A pass stopped by MaxChanges returns ErrTooManyChanges and changes
// nothing.
func TestPassesMaxChanges(t *testing.T) {
	for _, tt := range []struct {
		name string
		run  func(db *msi.Database) (*Report, error)
	}{
		{"class-to-registry", func(db *msi.Database) (*Report, error) {
			return ClassToRegistry(db, ClassToRegistryOptions{MaxChanges: 3})
		}},
		{"leaf-features", func(db *msi.Database) (*Report, error) {
			return SplitAdvertised(db, SplitAdvertisedOptions{MaxChanges: 1})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := openSampleDB(t)
			rep, err := tt.run(db)
			if !errors.Is(err, ErrTooManyChanges) || rep != nil {
				t.Fatalf("got %v, %v; want ErrTooManyChanges and no report", rep, err)
			}
			if db.Modified() {
				t.Error("the database changed")
			}
			for _, name := range db.TableNames() {
				if tab, err := db.Table(name); err == nil && tab.Modified() {
					t.Errorf("table %s changed", name)
				}
			}
		})
	}
}
