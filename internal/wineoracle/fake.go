package wineoracle

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FakeWine writes a stand-in for wine into dir, with a wineserver beside
// it that does nothing, for tests of code that runs wine (Attach it like
// a real one). Run n (1-based) of the script runs the shell commands
// runs[n-1], in which $log is the host path of the argument after "/l*v"
// (msiexec's log, given as a Z: path), or empty; a run past the list
// exits 99. FakeRuns counts the runs so far.
func FakeWine(dir string, runs []string) (wine string, err error) {
	var b strings.Builder
	b.WriteString("#!/bin/sh\nn=$(( $(cat \"$0.runs\" 2>/dev/null | wc -l) + 1 ))\necho run >> \"$0.runs\"\n" +
		"log=\nprev=\nfor a in \"$@\"; do [ \"$prev\" = /l*v ] && log=$(printf '%s' \"$a\" | sed 's/^Z://; s#\\\\#/#g'); prev=$a; done\ncase $n in\n")
	for i, r := range runs {
		b.WriteString("  " + strconv.Itoa(i+1) + ") " + r + ";;\n")
	}
	b.WriteString("esac\nexit 99\n")
	wine = filepath.Join(dir, "wine")
	if err := os.WriteFile(wine, []byte(b.String()), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "wineserver"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		return "", err
	}
	return wine, nil
}

// FakeRuns returns how many times the FakeWine script wine has run.
func FakeRuns(wine string) (int, error) {
	b, err := os.ReadFile(wine + ".runs")
	if os.IsNotExist(err) {
		return 0, nil
	}
	return strings.Count(string(b), "\n"), err
}
