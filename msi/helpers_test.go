package msi

import (
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// sampleMSI is the small package shipped in testdata/.
func sampleMSI() string { return testenv.SampleMSI() }

func openSample(t testing.TB) *Database {
	t.Helper()
	db, err := Open(sampleMSI())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// exportString is the text msiinfo export prints for table (dumpTable):
// tests compare it before and after an edit.
func exportString(t testing.TB, db *Database, table string) string {
	t.Helper()
	tab, err := db.Table(table)
	if err != nil {
		t.Fatalf("Table(%s): %v", table, err)
	}
	return string(dumpTable(tab, false))
}
