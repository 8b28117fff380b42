package validate

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

// TestReadmeCoverage compares the README's coverage table with the rules
// Validate implements: the rules marked "yes" are exactly Rules(), with
// the same documentation links, and every ICE and ICEM of Microsoft's
// references has a row.
func TestReadmeCoverage(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start, end := strings.Index(text, "<!-- section: validate -->"), strings.Index(text, "<!-- end: validate -->")
	if start < 0 || end < start {
		t.Fatal("README.md has no validate section")
	}
	rowRE := regexp.MustCompile(`(?m)^\| \[(ICEM?\d+)\]\((\S+)\) \| [^|]+ \| (yes|no)[^|]* \|$`)
	yes := map[string]string{}
	var all []string
	for _, m := range rowRE.FindAllStringSubmatch(text[start:end], -1) {
		all = append(all, m[1])
		if m[3] == "yes" {
			yes[m[1]] = m[2]
		}
		if m[2] != docURL(m[1]) {
			t.Errorf("%s links to %s, want %s", m[1], m[2], docURL(m[1]))
		}
	}
	want := map[string]string{}
	for _, r := range Rules() {
		want[r.ICE] = r.URL
	}
	if diff := cmp.Diff(want, yes); diff != "" {
		t.Errorf("rules implemented (-) vs marked yes in the README (+):\n%s", diff)
	}
	// Microsoft's ICE reference has no ICE11 and no ICE37.
	var every []string
	for i := 1; i <= 105; i++ {
		if i != 11 && i != 37 {
			every = append(every, fmt.Sprintf("ICE%02d", i))
		}
	}
	for i := 1; i <= 14; i++ {
		every = append(every, fmt.Sprintf("ICEM%02d", i))
	}
	if diff := cmp.Diff(every, all); diff != "" {
		t.Errorf("rows of the coverage table (-want +got):\n%s", diff)
	}
}
