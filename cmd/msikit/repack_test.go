package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestRepackCommand(t *testing.T) {
	dir := t.TempDir()
	checkUsage(t,
		[]string{"repack"},
		[]string{"repack", "a.msi"}, // no -o
		[]string{"repack", "a.msi", "b.msi", "-o", "c.msi"},
		[]string{"repack", "a.msi", "-o", "c.msi", "--in-place"},
	)
	checkBadInputs(t, "repack", "FILE", "-o", filepath.Join(dir, "bad-out.msi"))

	before := fileHash(t, samplePath())
	out := filepath.Join(dir, "repacked.msi")
	code, stdout, stderr := runCLI(t, "repack", samplePath(), "-o", out)
	if code != exitOK || stdout != "" || stderr != "" {
		t.Fatalf("repack: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if fileHash(t, samplePath()) != before {
		t.Fatal("repack modified its input")
	}
	_, tables, _ := runCLI(t, "tables", samplePath())
	for _, table := range append([]string{"_SummaryInformation", "_ForceCodepage"}, strings.Fields(tables)...) {
		_, a, _ := runCLI(t, "export", samplePath(), table)
		_, b, _ := runCLI(t, "export", out, table)
		if a != b {
			t.Errorf("table %s differs after repack", table)
		}
	}
	_, s1, _ := runCLI(t, "streams", samplePath())
	_, s2, _ := runCLI(t, "streams", out)
	if s1 != s2 {
		t.Errorf("streams differ after repack:\n%s\nvs\n%s", s1, s2)
	}
	for _, name := range []string{`\x05SummaryInformation`, "Icon.app.ico"} {
		_, a, _ := runCLI(t, "cat", samplePath(), name)
		_, b, _ := runCLI(t, "cat", out, name)
		if !bytes.Equal([]byte(a), []byte(b)) || a == "" {
			t.Errorf("stream %s differs after repack", name)
		}
	}
}
