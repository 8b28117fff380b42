package clip

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestString(t *testing.T) {
	long := strings.Repeat("a", Keep-1) + "é" + strings.Repeat("b", Max)
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"short", "short"},
		{strings.Repeat("x", Max), strings.Repeat("x", Max)},
		{strings.Repeat("x", Max+1), strings.Repeat("x", Keep) + "…(" + strconv.Itoa(Max+1) + " bytes)"},
		// é starts at Keep-1 and ends past Keep: cut before it.
		{long, strings.Repeat("a", Keep-1) + "…(" + strconv.Itoa(Keep+1+Max) + " bytes)"},
	} {
		if diff := cmp.Diff(tc.want, String(tc.in)); diff != "" {
			t.Errorf("String(%d bytes) (-want +got):\n%s", len(tc.in), diff)
		}
		if diff := cmp.Diff("<"+tc.want, string(AppendString([]byte("<"), tc.in))); diff != "" {
			t.Errorf("AppendString(%d bytes) (-want +got):\n%s", len(tc.in), diff)
		}
	}
}

func TestArgs(t *testing.T) {
	long := strings.Repeat("x", Max+1)
	in := []any{"a", long, 3, []string{long}}
	got := Args(in)
	want := []any{"a", String(long), 3, []string{long}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Args (-want +got):\n%s", diff)
	}
	if in[1] != long {
		t.Error("Args modified its argument")
	}
	short := []any{"a", 1}
	if got := Args(short); &got[0] != &short[0] {
		t.Error("Args copied arguments that needed no clipping")
	}
}

func TestStrings(t *testing.T) {
	long := strings.Repeat("x", Max+1)
	in := []string{"a", long, strings.Repeat("y", Max)}
	got := Strings(in)
	want := []string{"a", String(long), strings.Repeat("y", Max)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Strings (-want +got):\n%s", diff)
	}
	if in[1] != long {
		t.Error("Strings modified its argument")
	}
	short := []string{"a", "b"}
	if got := Strings(short); &got[0] != &short[0] {
		t.Error("Strings copied strings that needed no clipping")
	}
}
