package main

import "testing"

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"extract", "extract", 0},
		{"extarct", "extract", 1}, // a swap of neighbours is one edit
		{"extrct", "extract", 1},
		{"extracts", "extract", 1},
		{"sbom", "info", 4},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment: no edit of a swapped pair
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := editDistance(tc.b, tc.a); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestSuggestion(t *testing.T) {
	names := []string{"info", "tables", "export", "extract", "sbom", "rewrite"}
	for name, want := range map[string]string{
		"extarct":    "; did you mean extract?",
		"EXTRACT":    "; did you mean extract?", // case is ignored
		"inf":        "; did you mean info?",
		"rewirte":    "; did you mean rewrite?",
		"exprot":     "; did you mean export?",
		"frobnicate": "",
		"ab":         "", // too far from every name
		"extract":    "", // a name itself is not a slip
		"":           "",
	} {
		if got := suggestion(name, names); got != want {
			t.Errorf("suggestion(%q) = %q, want %q", name, got, want)
		}
	}
}
