package sarif

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/jsonindent"
)

// variedResults returns results covering each field of a Result absent,
// empty and present (pointers nil or not, slices nil, empty or of
// several, maps nil, empty or of several keys, every omitempty field
// zero or not), with strings that need escaping: quotes, backslashes,
// controls, HTML characters, U+2028, non-ASCII, invalid UTF-8.
func variedResults() []Result {
	texts := []string{"", "plain", "a \"quoted\" \\ back\\slash", "ctl \x00\x01\x1f\t\n\r\b\f", "<a & b>",
		"line\u2028sep\u2029", "ünïcødé 漢字 🎉", "bad \xff\xfe utf8 \xe2\x82", "\x7f del"}
	idx := []int{0, 3, -1}
	var out []Result
	for i, t := range texts {
		t2 := texts[(i+3)%len(texts)]
		n := idx[i%len(idx)]
		out = append(out,
			Result{},
			Result{RuleID: t},
			Result{RuleID: "R", RuleIndex: &n, Level: Level(t), Message: Message{Text: t, Markdown: t2}},
			Result{RuleID: "R", Message: Message{Text: t}, Locations: []Location{}},
			Result{RuleID: "R", Message: Message{Text: t}, Locations: []Location{{}}},
			Result{RuleID: "R", Message: Message{Text: t}, Locations: []Location{{}, {Message: &Message{}}}},
			Result{RuleID: "R", Locations: []Location{{
				PhysicalLocation: &PhysicalLocation{ArtifactLocation: ArtifactLocation{URI: t}},
			}}},
			Result{RuleID: "R", Locations: []Location{{
				PhysicalLocation: &PhysicalLocation{ArtifactLocation: ArtifactLocation{URI: t, URIBaseID: t2, Index: &n},
					Region: &Region{}},
				LogicalLocations: []LogicalLocation{},
			}}},
			Result{RuleID: "R", Locations: []Location{{
				PhysicalLocation: &PhysicalLocation{Region: &Region{StartLine: n}},
				LogicalLocations: []LogicalLocation{{}, {Name: t}, {FullyQualifiedName: t2, Kind: t}, {Name: t, FullyQualifiedName: t2, Kind: "object"}},
				Message:          &Message{Text: t2, Markdown: t},
			}, {
				PhysicalLocation: &PhysicalLocation{Region: &Region{EndLine: 7}},
			}, {
				PhysicalLocation: &PhysicalLocation{Region: &Region{StartLine: 1, EndLine: n}},
				LogicalLocations: []LogicalLocation{{Kind: t2}},
			}}},
			Result{RuleID: "R", PartialFingerprints: map[string]string{}},
			Result{RuleID: "R", PartialFingerprints: map[string]string{t: t2}},
			Result{RuleID: "R", PartialFingerprints: map[string]string{"b": t, "a": t2, "c/v1": "0123", t2 + "x": ""}},
			Result{RuleID: "R", OccurrenceCount: n},
			Result{RuleID: "R", OccurrenceCount: math.MaxInt32},
			Result{RuleID: "R", Properties: map[string]any{}},
			Result{RuleID: "R", Properties: map[string]any{"z": t, "a": []string{t, t2}, "n": n, "nil": nil}},
			Result{RuleID: "R", Properties: (*props)(nil)},
			Result{RuleID: "R", Properties: &props{}},
			Result{RuleID: "R", Properties: &props{Column: t, Key: []string{t2, t}, Omitted: n, Table: t2}},
			Result{RuleID: "R", Properties: props{Key: []string{}}},
			Result{RuleID: t2, RuleIndex: &n, Level: LevelWarning, Message: Message{Text: t + t2},
				Locations: []Location{{PhysicalLocation: &PhysicalLocation{ArtifactLocation: ArtifactLocation{URI: "file:///" + t, Index: &n},
					Region: &Region{StartLine: 1}}, LogicalLocations: []LogicalLocation{{FullyQualifiedName: t + "[" + t2 + "]"}}}},
				PartialFingerprints: map[string]string{"msikitFinding/v1": t2}, OccurrenceCount: 2,
				Properties: &props{Column: t, Key: []string{t2}, Table: t}},
		)
	}
	return out
}

// props is a property bag of the kind validate gives: a struct.
type props struct {
	Column  string   `json:"column,omitempty"`
	Key     []string `json:"key,omitempty"`
	Omitted int      `json:"omitted,omitempty"`
	Table   string   `json:"table,omitempty"`
}

// TestWriteResultMatchesReflection checks that writeResult writes each
// of many varied results byte for byte as the reflective jsonindent
// Encoder writes it, and as encoding/json's indenting Encoder (what
// Log.Write uses) writes it at the results' depth.
func TestWriteResultMatchesReflection(t *testing.T) {
	prefix := lineStarts[1 : 1+2*resultDepth]
	for i, r := range variedResults() {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var got bytes.Buffer
			w := NewWriter(&got, Driver{}, nil)
			w.writeResult(&r)
			if w.err == nil {
				w.err = w.w.Flush()
			}
			if w.err != nil {
				t.Fatal(w.err)
			}

			var refl bytes.Buffer
			bw := bufio.NewWriter(&refl)
			if err := jsonindent.NewEncoder(bw, jsonindent.Options{NoMemo: true}).Encode(prefix, &r); err != nil {
				t.Fatal(err)
			}
			if err := bw.Flush(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(refl.String(), got.String()); diff != "" {
				t.Errorf("writeResult differs from jsonindent (-reflective +writeResult):\n%s", diff)
			}

			var std bytes.Buffer
			enc := json.NewEncoder(&std)
			enc.SetIndent(prefix, "  ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(&r); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(bytes.TrimSuffix(std.Bytes(), []byte("\n"))), got.String()); diff != "" {
				t.Errorf("writeResult differs from encoding/json (-encoding/json +writeResult):\n%s", diff)
			}
		})
	}
}

// TestWriteResultKeepsError checks that writeResult stops at a write
// error and that Add returns it, wherever in a result it happens.
func TestWriteResultKeepsError(t *testing.T) {
	rs := variedResults()
	r := rs[len(rs)-1]
	var full bytes.Buffer
	w := NewWriter(&full, Driver{}, nil)
	w.writeResult(&r)
	w.w.Flush()
	for n := range full.Len() {
		lw := &limitWriter{n: n}
		w := NewWriter(lw, Driver{}, nil)
		w.w = bufio.NewWriterSize(lw, 16) // a flush every few bytes
		w.results.Reset(w.w)
		w.writeResult(&r)
		if w.err == nil {
			w.err = w.w.Flush()
		}
		if w.err == nil {
			t.Fatalf("a write failing after %d of %d bytes: no error", n, full.Len())
		}
	}
}

type limitWriter struct{ n int }

func (l *limitWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		n := l.n
		l.n = 0
		return n, fmt.Errorf("full")
	}
	l.n -= len(p)
	return len(p), nil
}
