package leaf

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/transform/internal/edit"
)

// TestExtensionRelatedBounded: an extension's Verb and MIME rows are
// described by the first 8 of each, names over 64 bytes clipped, and a
// count of the rest; the sample's extensions as they were.
func TestExtensionRelatedBounded(t *testing.T) {
	db, err := msi.Open(filepath.Join(testenv.RepoRoot(), "testdata", "sample.msi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	verb, err := db.Table("Verb")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("v", 100)
	for i := range 10 {
		v := fmt.Sprintf("v%d", i)
		if i == 0 {
			v = long[:30] + "x" // a verb is at most 32 characters (s32)
		}
		if err := verb.Insert(msi.StrValue("syn2"), msi.StrValue(v), msi.Null, msi.Null, msi.Null); err != nil {
			t.Fatal(err)
		}
	}
	mime, err := db.Table("MIME")
	if err != nil {
		t.Fatal(err)
	}
	ct := strings.Repeat("m", 64) + "/long"
	if err := mime.Insert(msi.StrValue(ct), msi.StrValue("syn2"), msi.Null); err != nil {
		t.Fatal(err)
	}
	got, err := extensionRelated(db, &edit.Stop{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"synth":  "Verb open, print; MIME application/x-synth, text/x-synth",
		"synthw": "Verb edit",
		"syn2":   "Verb " + long[:30] + "x, v1, v2, v3, v4, v5, v6, v7 and 2 more; MIME " + strings.Repeat("m", 32) + "…(69 bytes)",
	}
	have := map[string]string{}
	for k, v := range got.All() {
		have[k] = v
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("descriptions (-want +got):\n%s", diff)
	}
}
