package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportCommand(t *testing.T) {
	checkUsage(t,
		[]string{"export"},
		[]string{"export", "a.msi"},                     // no TABLE and no -d
		[]string{"export", "a.msi", "File", "Property"}, // two tables to stdout
		[]string{"export", "a.msi", "File", "--format", "xml"},
	)
	checkBadInputs(t, "export", "FILE", "Property")
	checkGolden(t, "export-property", "export", samplePath(), "Property")
	checkGolden(t, "export-suminfo", "export", samplePath(), "_SummaryInformation")
	checkGolden(t, "export-codepage", "export", samplePath(), "_ForceCodepage")
	checkGolden(t, "export-json", "export", samplePath(), "Media", "Icon", "_ForceCodepage", "--format", "json")

	code, _, stderr := runCLI(t, "export", samplePath(), "NoSuchTable")
	if code != exitFailure || !strings.Contains(stderr, "no table NoSuchTable") {
		t.Errorf("export of a missing table: exit %d, stderr %q", code, stderr)
	}

	// -d writes every table and the binary cells; stdout stays empty and
	// each file equals the single-table export.
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, "export", samplePath(), "-d", dir)
	if code != exitOK || stdout != "" {
		t.Fatalf("export -d: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	_, tables, _ := runCLI(t, "tables", samplePath())
	for _, table := range append([]string{"_SummaryInformation", "_ForceCodepage"}, strings.Fields(tables)...) {
		got, err := os.ReadFile(filepath.Join(dir, table+".idt"))
		if err != nil {
			t.Error(err)
			continue
		}
		_, want, _ := runCLI(t, "export", samplePath(), table)
		if string(got) != want {
			t.Errorf("%s.idt differs from export to stdout", table)
		}
	}
	icon, err := os.ReadFile(filepath.Join(dir, "Icon", "Icon.app.ico"))
	_, wantIcon, _ := runCLI(t, "cat", samplePath(), "Icon.app.ico")
	if err != nil || string(icon) != wantIcon || len(icon) == 0 {
		t.Errorf("binary cell file Icon/Icon.app.ico: %v, %d bytes, want %d", err, len(icon), len(wantIcon))
	}
	// JSON into a folder.
	jdir := t.TempDir()
	if code, _, stderr := runCLI(t, "export", samplePath(), "Icon", "-f", "json", "-d", jdir); code != exitOK {
		t.Fatalf("export -f json -d: exit %d, %s", code, stderr)
	}
	for _, f := range []string{"Icon.json", "Icon/Icon.app.ico"} {
		if _, err := os.Stat(filepath.Join(jdir, f)); err != nil {
			t.Error(err)
		}
	}
}
