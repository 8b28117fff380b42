package validate

import (
	"fmt"
	"strings"
)

// Added returns the findings of after, at severity min or worse, that
// before does not have: what a change to a package (before is its input,
// after its output) brought in. Findings are matched by rule, severity,
// table, column, key and message, as a multiset (two equal findings in
// after and one in before give one added; a finding with Duplicates
// counts as 1+Duplicates equal findings). Where either list was cut at
// Options.MaxFindings for a rule and severity, the listed findings of the
// two may be different windows of the same problems, so for that rule and
// severity only the totals are compared: a higher total in after gives
// one summary Finding whose Omitted counts the difference.
func Added(before, after []Finding, min Severity) []Finding {
	type rs struct {
		ice string
		sev Severity
	}
	total := func(fs []Finding) (map[rs]int, map[rs]bool) {
		n, cut := map[rs]int{}, map[rs]bool{}
		for _, f := range fs {
			k := rs{f.ICE, f.Severity}
			if f.Omitted > 0 {
				n[k] += f.Omitted
				cut[k] = true
			} else {
				n[k] += 1 + f.Duplicates
			}
		}
		return n, cut
	}
	nb, cutB := total(before)
	na, cutA := total(after)
	ident := func(f Finding) string {
		return strings.Join([]string{f.ICE, f.Severity.String(), f.Table, f.Column, strings.Join(f.Key, "\x01"), f.Message}, "\x00")
	}
	have := map[string]int{}
	for _, f := range before {
		if f.Omitted == 0 {
			have[ident(f)] += 1 + f.Duplicates
		}
	}
	var out []Finding
	summarized := map[rs]bool{}
	for _, f := range after {
		k := rs{f.ICE, f.Severity}
		if f.Severity < min {
			continue
		}
		if cutA[k] || cutB[k] {
			if !summarized[k] && na[k] > nb[k] {
				summarized[k] = true
				out = append(out, Finding{ICE: f.ICE, Severity: f.Severity, URL: f.URL, Omitted: na[k] - nb[k],
					Message: fmt.Sprintf("%d more %s findings of %s than before (too many to list one by one)", na[k]-nb[k], f.Severity, f.ICE)})
			}
			continue
		}
		id := ident(f)
		n := 1 + f.Duplicates
		m := n
		if have[id] < m {
			m = have[id]
		}
		have[id] -= m
		if n -= m; n == 0 {
			continue
		}
		f.Duplicates = n - 1
		out = append(out, f)
	}
	return out
}
