package jsonexport

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestWriteJSONString(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " backslash \ slash /`, "<a href='x'>&amp;</a>", "\x00\x01\x07\b\f\n\r\t\x1b\x1f\x7f",
		"\u2028\u2029\u0085\u202e", "bad\xff\xfe\xc3", "中文 ünïcödé 🎉", strings.Repeat("x", 70000),
	} {
		want, _ := json.Marshal(s)
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		if err := writeJSONString(w, s); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if b.String() != string(want) {
			t.Errorf("writeJSONString(%.40q) = %.80s, want %.80s", s, b.String(), want)
		}
	}
}
