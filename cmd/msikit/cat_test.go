package main

import (
	"strings"
	"testing"

	"github.com/msikit/msikit/cfb"
)

func TestCatCommand(t *testing.T) {
	checkUsage(t, []string{"cat"}, []string{"cat", "a.msi"}, []string{"cat", "a", "b", "c"})
	checkBadInputs(t, "cat", "FILE", `\x05SummaryInformation`)
	// The escaped and the literal name give the stream's bytes, which must
	// equal what the cfb layer reads.
	rc, err := cfb.OpenReader(samplePath())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	st, err := rc.Lookup("\x05SummaryInformation").Open()
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, st.Size())
	if _, err := st.ReadAt(want, 0); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`\x05SummaryInformation`, "\x05SummaryInformation"} {
		code, stdout, stderr := runCLI(t, "cat", samplePath(), name)
		if code != exitOK || stdout != string(want) {
			t.Errorf("cat %q: exit %d, %d bytes (want %d), stderr %q", name, code, len(stdout), len(want), stderr)
		}
	}
	code, _, stderr := runCLI(t, "cat", samplePath(), "NoSuchStream")
	if code != exitFailure || !strings.Contains(stderr, `no stream "NoSuchStream"`) {
		t.Errorf("cat of a missing stream: exit %d, stderr %q", code, stderr)
	}
}
