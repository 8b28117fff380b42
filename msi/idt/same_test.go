package idt

import (
	"strings"
	"testing"
)

// Importing a table's own rows (in any order) changes nothing: the
// database stays unmodified, so a signed package can be written without
// dropping its signature. Any difference is a change, and a file that
// repeats a key is still refused.
func TestImportUnchangedTable(t *testing.T) {
	const head = "Key\tValue\r\ns72\tS0\r\nT\tKey\r\n"
	base := head + "A\tone\r\nB\ttwo\r\nC\t\r\n"
	tests := []struct {
		name     string
		idt      string
		modified bool
		fails    bool
	}{
		{"same rows", base, false, false},
		{"same rows, other order", head + "C\t\r\nB\ttwo\r\nA\tone\r\n", false, false},
		{"a value differs", head + "A\tone\r\nB\tTWO\r\nC\t\r\n", true, false},
		{"a null becomes a value", head + "A\tone\r\nB\ttwo\r\nC\tx\r\n", true, false},
		{"a row fewer", head + "A\tone\r\nB\ttwo\r\n", true, false},
		{"a row more", base + "D\tfour\r\n", true, false},
		{"a key repeated, same count", head + "A\tone\r\nA\tone\r\nB\ttwo\r\n", true, true},
		// The rows before a refused one are the table's: nothing changes,
		// but the refusal is still an error.
		{"same rows, then a null key", base + "\tfour\r\n", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openSample(t)
			// Start from a known table, then from a freshly opened state.
			if _, err := Import(db, strings.NewReader(base), nil); err != nil {
				t.Fatal(err)
			}
			tmp, _ := saveReopen(t, db, "db.msi")
			if tmp.Modified() {
				t.Fatal("a freshly opened database reports Modified")
			}
			_, err := Import(tmp, strings.NewReader(tt.idt), nil)
			if (err != nil) != tt.fails {
				t.Fatalf("ImportIDT: err %v, want failure %v", err, tt.fails)
			}
			if tmp.Modified() != tt.modified {
				t.Errorf("Modified() = %v, want %v", tmp.Modified(), tt.modified)
			}
		})
	}
}
