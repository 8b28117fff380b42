package msi

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// TestKindsCorpus checks the kind of every corpus package against evidence
// read by other tools: the root CLSID as olefile reads it (patch,
// transform, database), and for databases with a ModuleSignature table the
// tables and Property rows as msiinfo reads them. An installer built from
// merge modules keeps ModuleSignature but has a ProductCode property (or
// InstallExecuteSequence rows); a merge module has neither. The file
// extension must agree too (.msi and .cub installers, .msm, .msp, .mst).
func TestKindsCorpus(t *testing.T) {
	files := testenv.CorpusFiles(t)
	py := testenv.NeedOlefile(t)
	msiinfo := testenv.NeedTool(t, "msiinfo", "msitools")
	var paths []string
	for _, f := range files {
		if !testenv.IsCorrupt(f) {
			paths = append(paths, f)
		}
	}
	// One olefile run for every root CLSID.
	script := `import json, sys, olefile
out = {}
for p in sys.argv[1:]:
    with olefile.OleFileIO(p) as o:
        out[p] = o.root.clsid
print(json.dumps(out))`
	raw, err := testenv.Command(t, py, append([]string{"-c", script}, paths...)...).Output()
	if err != nil {
		t.Fatalf("olefile: %v", err)
	}
	var clsids map[string]string
	if err := json.Unmarshal(raw, &clsids); err != nil {
		t.Fatal(err)
	}
	byExt := map[string]PackageKind{".msi": PackageInstaller, ".cub": PackageInstaller, ".msm": PackageMergeModule, ".msp": PackagePatch, ".mst": PackageTransform}
	counts := map[PackageKind]int{}
	for _, f := range paths {
		t.Run(filepath.Base(f), func(t *testing.T) {
			db, err := Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			got := db.Kind()
			counts[got]++
			if want, ok := byExt[strings.ToLower(filepath.Ext(f))]; ok && got != want {
				t.Errorf("kind %v, but the file is a %s", got, filepath.Ext(f))
			}
			switch clsid := "{" + strings.ToUpper(clsids[f]) + "}"; {
			case clsid == CLSIDPatch && got != PackagePatch, clsid == CLSIDTransform && got != PackageTransform:
				t.Errorf("kind %v, root CLSID %s", got, clsid)
			case clsid == CLSIDInstaller && got != PackageInstaller && got != PackageMergeModule:
				t.Errorf("kind %v, root CLSID %s (a database)", got, clsid)
			}
			if got != PackageInstaller && got != PackageMergeModule {
				return
			}
			tables, err := testenv.Msiinfo(t, msiinfo, t.TempDir(), "tables", f)
			if err != nil {
				t.Fatalf("msiinfo tables: %v", err)
			}
			names := strings.Fields(string(tables))
			hasModuleSig := contains(names, "ModuleSignature")
			if !hasModuleSig {
				if got == PackageMergeModule {
					t.Errorf("merge module without ModuleSignature (msiinfo tables: %v)", names)
				}
				return
			}
			productCode := false
			if contains(names, "Property") {
				prop, err := testenv.Msiinfo(t, msiinfo, t.TempDir(), "export", f, "Property")
				if err != nil {
					t.Fatalf("msiinfo export Property: %v", err)
				}
				productCode = strings.Contains(string(prop), "\nProductCode\t")
			}
			sequenced := false
			if contains(names, "InstallExecuteSequence") {
				seq, err := testenv.Msiinfo(t, msiinfo, t.TempDir(), "export", f, "InstallExecuteSequence")
				if err != nil {
					t.Fatalf("msiinfo export InstallExecuteSequence: %v", err)
				}
				sequenced = strings.Count(string(seq), "\n") > 3
			}
			if want := productCode || sequenced; (got == PackageInstaller) != want {
				t.Errorf("kind %v with ModuleSignature: msiinfo finds ProductCode %v, InstallExecuteSequence rows %v", got, productCode, sequenced)
			}
		})
	}
	t.Logf("kinds: %v", counts)
	if counts[PackageMergeModule] == 0 || counts[PackagePatch] == 0 || counts[PackageTransform] == 0 || counts[PackageInstaller] == 0 {
		t.Errorf("the corpus should hold every kind: %v", counts)
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
