package msi

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// TestKinds checks package kinds, transform contents and patch storages
// on corpus files.
func TestKinds(t *testing.T) {
	dir := testenv.CorpusDir()
	if dir == "" {
		t.Skip("corpus not available")
	}
	tests := []struct {
		file     string
		kind     PackageKind
		tables   []string // some tables that must be listed
		storages int      // minimum number of sub-storages
	}{
		{"real/wix3-MSIs-basicproduct.msi", PackageInstaller, []string{"Property", "File"}, 0},
		{"real/wixsharp-MyMergeModule.msm", PackageMergeModule, []string{"ModuleSignature"}, 0},
		{"real/wix3-GDR1-gdr1.msp", PackagePatch, []string{"MsiPatchSequence"}, 4},
		{"real/psmsi-Example.mst", PackageTransform, []string{"Binary", "Directory"}, 0},
		{"real/wix3-InstanceTransformTests-AutoGenProductId-expected.mst", PackageTransform, []string{"Property"}, 0},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			db, err := Open(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if db.Kind() != tt.kind {
				t.Errorf("kind %v, want %v", db.Kind(), tt.kind)
			}
			names := db.TableNames()
			for _, want := range tt.tables {
				if !slices.Contains(names, want) {
					t.Errorf("tables %q lack %q", names, want)
				}
			}
			if n := len(db.Storages()); n < tt.storages {
				t.Errorf("%d storages, want at least %d", n, tt.storages)
			}
			if tt.kind == PackageTransform {
				_, err := db.Table(names[0])
				var ue *UnsupportedError
				if !errors.As(err, &ue) {
					t.Errorf("Table on a transform: %v, want *UnsupportedError", err)
				}
			}
			st, err := db.Table("_Storages")
			if tt.kind != PackageTransform && (err != nil || st.Len() != len(db.Storages())) {
				t.Errorf("_Storages view: %v", err)
			}
		})
	}
}

// TestStreamsView checks that the _Streams view lists the streams and its
// binary cells open them.
func TestStreamsView(t *testing.T) {
	db, err := Open(coreSample)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := db.Table("_Streams")
	if err != nil {
		t.Fatal(err)
	}
	if v.Len() != len(db.Streams()) || v.Len() == 0 {
		t.Fatalf("_Streams has %d rows, Streams() %d", v.Len(), len(db.Streams()))
	}
	for r := range v.Rows() {
		s, err := r.OpenStream("Data")
		if err != nil {
			t.Errorf("%s: %v", r.Get("Name"), err)
			continue
		}
		st, _ := db.OpenStream(r.Get("Name").Str())
		if s.Size() != st.Size() {
			t.Errorf("%s: sizes differ", r.Get("Name"))
		}
	}
}
