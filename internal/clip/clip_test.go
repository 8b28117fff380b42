package clip

import (
	"strconv"
	"strings"
	"testing"
	"unsafe"

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

// A Memo clips as String, Strings, Args and Sprintf do, making the
// clipped form of a long string once: the same string for each call.
func TestMemo(t *testing.T) {
	long := strings.Repeat("x", Max+1)
	other := strings.Repeat("é", Max)
	var m Memo
	in := []string{"a", long, other, long}
	got := m.Strings(in)
	if diff := cmp.Diff(Strings(in), got); diff != "" {
		t.Errorf("Memo.Strings (-want +got):\n%s", diff)
	}
	if in[1] != long {
		t.Error("Memo.Strings modified its argument")
	}
	short := []string{"a", "b"}
	if got := m.Strings(short); &got[0] != &short[0] {
		t.Error("Memo.Strings copied strings that needed no clipping")
	}
	first := m.String(long)
	again := m.Strings([]string{long})[0]
	if unsafe.StringData(first) != unsafe.StringData(again) {
		t.Error("Memo clipped the same long string twice")
	}
	m.Reset()
	if diff := cmp.Diff(String(other), m.String(other)); diff != "" {
		t.Errorf("Memo.String after Reset (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Sprintf("%s %d %s", long, 3, other), m.Sprintf("%s %d %s", long, 3, other)); diff != "" {
		t.Errorf("Memo.Sprintf (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Args([]any{"a", long, 3}), m.Args([]any{"a", long, 3})); diff != "" {
		t.Errorf("Memo.Args (-want +got):\n%s", diff)
	}
}

// A Memo keeps alive at most memoBytes of the long strings it was given
// (plus the one it is given last): strings made for one message are not
// held by the thousand.
func TestMemoHoldsBoundedBytes(t *testing.T) {
	var m Memo
	for i := range 4 * memoBytes / (64 << 10) {
		s := strconv.Itoa(i) + strings.Repeat("x", 64<<10)
		m.String(s)
		if m.held > memoBytes {
			t.Fatalf("after %d strings of 64 KiB the memo holds %d bytes, want at most %d", i+1, m.held, memoBytes)
		}
	}
}
