package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

// The streaming JSON export must write exactly what encoding/json's
// Encoder (two-space indent) writes for the same document; refJSON builds
// that document the simple way, in memory, as the oracle.

type refTable struct {
	Name     string      `json:"name"`
	Codepage *int        `json:"codepage,omitempty"`
	Columns  []refColumn `json:"columns"`
	Rows     [][]any     `json:"rows"`
}

type refColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Key  bool   `json:"key,omitempty"`
}

func refTableJSON(t *testing.T, db *msi.Database, table string) refTable {
	t.Helper()
	tj := refTable{Name: table, Columns: []refColumn{}, Rows: [][]any{}}
	switch table {
	case idt.ForceCodepageTable:
		cp := db.Codepage()
		tj.Codepage = &cp
		return tj
	case idt.SummaryInformationTable:
		si, err := db.SummaryInfo()
		if err != nil {
			t.Fatal(err)
		}
		tj.Columns = []refColumn{{"PropertyId", "i2", true}, {"Value", "l255", false}}
		for _, p := range si.Properties() {
			var v any
			switch p.Type {
			case msi.PropInt16, msi.PropInt32:
				v = p.Int
			case msi.PropString:
				v = p.Str
			case msi.PropFiletime:
				v = msi.FormatFiletime(p.Time)
			default:
				continue
			}
			tj.Rows = append(tj.Rows, []any{int(p.ID), v})
		}
		return tj
	}
	tab, err := db.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tab.Columns() {
		tj.Columns = append(tj.Columns, refColumn{c.Name, c.IDTType(), c.Key})
	}
	for row := range tab.Rows() {
		vals := make([]any, row.Len())
		for i := range vals {
			switch v := row.At(i); v.Kind() {
			case msi.KindInt:
				vals[i] = v.Int()
			case msi.KindString, msi.KindBinary:
				vals[i] = v.Str()
			}
		}
		tj.Rows = append(tj.Rows, vals)
	}
	return tj
}

func refEncode(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestJSONExportMatchesEncodingJSON compares the streamed export of every
// table of the sample and of small corpus packages, on stdout and with -d,
// with encoding/json's output for the same document.
func TestJSONExportMatchesEncodingJSON(t *testing.T) {
	files := []string{samplePath()}
	if testenv.CorpusDir() != "" {
		for _, f := range testenv.CorpusFiles(t) {
			if fi, err := os.Stat(f); err == nil && fi.Size() < 2<<20 && !testenv.IsCorrupt(f) && len(files) < 12 {
				files = append(files, f)
			}
		}
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			db, err := msi.Open(file)
			if err != nil {
				t.Skip(err)
			}
			defer db.Close()
			if db.Kind() == msi.PackageTransform {
				t.Skip("transform")
			}
			tables := idt.Tables(db)
			doc := struct {
				File   string     `json:"file"`
				Tables []refTable `json:"tables"`
			}{File: file}
			for _, table := range tables {
				doc.Tables = append(doc.Tables, refTableJSON(t, db, table))
			}
			code, stdout, stderr := runCLI(t, "export", file, "-f", "json")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if diff := cmp.Diff(refEncode(t, doc), stdout); diff != "" {
				t.Fatalf("export -f json differs from encoding/json (-want +got):\n%s", diff)
			}
			dir := filepath.Join(t.TempDir(), "json")
			if code, _, stderr := runCLI(t, "export", file, "-f", "json", "-d", dir); code != exitOK {
				if !strings.Contains(stderr, "refused") {
					t.Fatalf("exit %d: %s", code, stderr)
				}
			}
			for _, table := range tables {
				got, err := os.ReadFile(filepath.Join(dir, table+".json"))
				if err != nil {
					continue // refused name
				}
				if diff := cmp.Diff(refEncode(t, refTableJSON(t, db, table)), string(got)); diff != "" {
					t.Errorf("%s.json differs from encoding/json (-want +got):\n%s", table, diff)
				}
			}
		})
	}
}
