package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A jsonList lays out an array as json.MarshalIndent does, at the top
// level and inside a document, empty or not.
func TestJSONListMatchesMarshalIndent(t *testing.T) {
	type elem struct {
		Name string   `json:"name"`
		List []string `json:"list"`
	}
	for _, prefix := range []string{"", "  ", "      "} {
		for _, n := range []int{0, 1, 3} {
			s := make([]elem, n)
			for i := range s {
				s[i] = elem{Name: string(rune('a' + i)), List: []string{"x", "y"}[:i%3]}
			}
			want, err := json.MarshalIndent(s, prefix, "  ")
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			w := bufio.NewWriter(&b)
			l := startJSONList(w, prefix)
			for i := range s {
				js, err := json.MarshalIndent(&s[i], l.next(), "  ")
				if err != nil {
					t.Fatal(err)
				}
				w.Write(js)
			}
			if err := l.end(); err != nil {
				t.Fatal(err)
			}
			w.Flush()
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("%d elements at prefix %q (-MarshalIndent +jsonList):\n%s", n, prefix, diff)
			}
		}
	}
}

// descriptor decode --json writes, descriptor by descriptor, what a
// json.Encoder indenting by two spaces writes for them all.
func TestDescriptorDecodeJSONLayout(t *testing.T) {
	for _, tt := range []struct {
		args []string
		n    int // descriptors
	}{
		{[]string{sampleVerb}, 1},
		{[]string{sampleVerb, "zz " + sampleVerb + " " + sampleVerb}, 3},
	} {
		args := tt.args
		code, out, stderr := runCLI(t, append([]string{"descriptor", "decode", "--json"}, args...)...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var found []foundDescriptor
		if err := json.Unmarshal([]byte(out), &found); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(found); err != nil {
			t.Fatal(err)
		}
		if len(found) != tt.n {
			t.Errorf("%d inputs: %d descriptors, want %d", len(args), len(found), tt.n)
		}
		if diff := cmp.Diff(want.String(), out); diff != "" {
			t.Errorf("%q (-Encoder +got):\n%s", args, diff)
		}
	}
}
