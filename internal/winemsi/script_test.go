package winemsi

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	out, err := parse([]byte(strings.Join([]string{
		"table\t_Validation",
		"exported\tProperty",
		"cols\tProperty\tValue",
		"types\ts72\tl0",
		`row` + "\t" + `Tab\there` + "\t" + `a\\b\r\nc\x05`,
		"row\tEmpty\t\\N",
		"suminfo",
		"prop\t1\tI2\t1252",
		"prop\t12\tFILETIME\t2013-05-24T09:34:38Z",
		"suminfo",
		"merge\t1627",
		"element\t\\x05SummaryInformation\tstream\t612\t{00000000-0000-0000-0000-000000000000}",
		"descriptor\t{P}\tCore\t{C}\t45",
		"done",
	}, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	out.lines = nil
	want := &Output{
		Tables:   []string{"_Validation"},
		Exported: []string{"Property"},
		Results: []Result{{
			Columns: []string{"Property", "Value"},
			Types:   []string{"s72", "l0"},
			Rows:    [][]string{{"Tab\there", "a\\b\r\nc\x05"}, {"Empty", Null}},
		}},
		SummaryInfo: [][]Property{{{1, "I2", "1252"}, {12, "FILETIME", "2013-05-24T09:34:38Z"}}, {}},
		Codes:       []Code{{"merge", 1627}},
		Elements:    []Element{{"\x05SummaryInformation", "stream", 612, "{00000000-0000-0000-0000-000000000000}"}},
		Descriptors: []Descriptor{{"{P}", "Core", "{C}", 45}},
	}
	if d := cmp.Diff(want, out, cmp.AllowUnexported(Output{})); d != "" {
		t.Errorf("parse (-want +got):\n%s", d)
	}
}

func TestParseFailures(t *testing.T) {
	tests := []struct {
		name, in string
		want     *Error // nil: a plain error
	}{
		{"fail", "exported\tA\nfail\tapply\t1624\tTransform \\tfailed\n", &Error{Op: "apply", Code: 1624, Msg: "Transform \tfailed"}},
		{"no done", "exported\tA\n", nil},
		{"usage", "usage\topen: MODE is ro\n", nil},
		{"prop before suminfo", "prop\t1\tI2\t0\ndone\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse([]byte(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			var fe *Error
			if got := errors.As(err, &fe); got != (tc.want != nil) {
				t.Fatalf("error %v: *Error = %v, want %v", err, got, tc.want != nil)
			}
			if tc.want != nil {
				if d := cmp.Diff(tc.want, fe); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
			}
		})
	}
}

func TestLocaleFor(t *testing.T) {
	for cp, want := range map[int]string{0: "en_US.UTF-8", 1252: "en_US.UTF-8", 1255: "he_IL.UTF-8", 932: "ja_JP.UTF-8", 65001: "en_US.UTF-8", 37: "en_US.UTF-8"} {
		if got := localeFor(cp); got != want {
			t.Errorf("localeFor(%d) = %q, want %q", cp, got, want)
		}
	}
	got, err := toUTF8([]byte("\xf9\xec\xe5\xed"), 1255)
	if err != nil || string(got) != "שלום" {
		t.Errorf("toUTF8(1255) = %q, %v", got, err)
	}
}
