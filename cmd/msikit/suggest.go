package main

import (
	"strings"

	flag "github.com/spf13/pflag"
)

// suggestion returns "; did you mean X?" for the candidate closest to
// name when one is close enough to be a typing slip (at most two edits,
// one for names of up to four letters, ignoring case), or "" when none
// is. Ties go to the earlier candidate.
func suggestion(name string, candidates []string) string {
	if name == "" || len(name) > 64 {
		return ""
	}
	limit := 2
	if len(name) <= 4 {
		limit = 1
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" || best == name {
		return ""
	}
	return "; did you mean " + best + "?"
}

// commandSuggestion is suggestion over the names of list.
func commandSuggestion(name string, list []*Command) string {
	var names []string
	for _, c := range list {
		names = append(names, c.Name)
	}
	return suggestion(name, names)
}

// flagSuggestion suggests a flag of fs for pflag's "unknown flag: --NAME"
// error, "" for any other error.
func flagSuggestion(fs *flag.FlagSet, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return ""
	}
	name, _, _ = strings.Cut(name, "=")
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	if s := suggestion(name, names); s != "" {
		return strings.Replace(s, "mean ", "mean --", 1)
	}
	return ""
}

// editDistance is the optimal string alignment distance of a and b (in
// bytes): insertions, deletions, substitutions and swaps of two adjacent
// bytes, each one edit. Both are at most 64 bytes here.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
