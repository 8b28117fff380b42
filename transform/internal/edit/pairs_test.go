package edit

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Pairs answers as a map of maps built from the same pairs does,
// duplicates included, whatever the order of the pairs.
func TestPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		p := NewPairs(0)
		lefts, rights := map[string]map[string]bool{}, map[string]map[string]bool{}
		firstL, firstR := map[string]int{}, map[string]int{}
		for i := range rng.IntN(200) {
			l, r := fmt.Sprintf("F%d", rng.IntN(12)), fmt.Sprintf("C%d", rng.IntN(15))
			p.Add(l, r)
			if lefts[l] == nil {
				lefts[l] = map[string]bool{}
			}
			if rights[r] == nil {
				rights[r] = map[string]bool{}
			}
			lefts[l][r], rights[r][l] = true, true
			if _, ok := firstL[l]; !ok {
				firstL[l] = i
			}
			if _, ok := firstR[r]; !ok {
				firstR[r] = i
			}
			if round%2 == 0 && i == 50 {
				p.Has(l, r) // indexed halfway: later pairs index again
			}
		}
		for li := range 13 {
			l := fmt.Sprintf("F%d", li)
			var want []string
			for ri := range 16 {
				r := fmt.Sprintf("C%d", ri)
				if got := p.Has(l, r); got != lefts[l][r] {
					t.Fatalf("round %d: Has(%s, %s) = %v, want %v", round, l, r, got, lefts[l][r])
				}
				if lefts[l][r] {
					want = append(want, r)
				}
			}
			got := p.Rights(l)
			if len(got) != p.NumRights(l) {
				t.Fatalf("round %d: %s: %d rights, NumRights %d", round, l, len(got), p.NumRights(l))
			}
			// In the order the names were first added anywhere.
			slicesSortBy(want, firstR)
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("round %d: Rights(%s) (-want +got):\n%s", round, l, diff)
			}
		}
		var all []string
		for l, r := range p.All() {
			all = append(all, l+"-"+r)
		}
		var wantAll []string
		for l := range lefts {
			for r := range lefts[l] {
				wantAll = append(wantAll, l+"-"+r)
			}
		}
		if len(all) != len(wantAll) {
			t.Fatalf("round %d: All yields %d pairs, want %d", round, len(all), len(wantAll))
		}
		for _, x := range all {
			l, r, _ := strings.Cut(x, "-")
			if !lefts[l][r] {
				t.Fatalf("round %d: All yields %s, which was not added", round, x)
			}
		}
		for ri := range 16 {
			r := fmt.Sprintf("C%d", ri)
			var want []string
			for l := range rights[r] {
				want = append(want, l)
			}
			slicesSortBy(want, firstL)
			got := p.Lefts(r)
			if len(want) == 0 {
				want = nil
			}
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("round %d: Lefts(%s) (-want +got):\n%s", round, r, diff)
			}
			if p.NumLefts(r) != len(want) {
				t.Fatalf("round %d: NumLefts(%s) = %d, want %d", round, r, p.NumLefts(r), len(want))
			}
		}
	}
}

func slicesSortBy(s []string, first map[string]int) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && first[s[j]] < first[s[j-1]]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// pairsState is what a Pairs answers, as text.
func pairsState(p *Pairs, names int) []string {
	var out []string
	for l, r := range p.All() {
		out = append(out, "pair "+l+" "+r)
	}
	for i := range names {
		l, r := fmt.Sprintf("F%d", i), fmt.Sprintf("C%d", i)
		out = append(out, fmt.Sprintf("%s: %d %q; %s: %d %q", l, p.NumRights(l), p.Rights(l), r, p.NumLefts(r), p.Lefts(r)))
	}
	return out
}

// A few pairs added to indexed ones (a pass's rows, edit.Shared), new
// names, pairs already there and pairs out of order among them, are
// answered for as when all are added before the first question: put in
// their places one by one (up to maxInserted), or sorted with the rest.
func TestPairsAddAfterIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, added := range []int{1, 2, 7, maxInserted, maxInserted + 1, 300} {
		var all [][2]string
		for range 500 {
			all = append(all, [2]string{fmt.Sprintf("F%d", rng.IntN(20)), fmt.Sprintf("C%d", rng.IntN(30))})
		}
		for range added {
			all = append(all, [2]string{fmt.Sprintf("F%d", rng.IntN(25)), fmt.Sprintf("C%d", rng.IntN(35))})
		}
		late, whole := NewPairs(0), NewPairs(0)
		for i, x := range all {
			if i == 500 {
				late.Has("F0", "C0") // indexed before the last ones
			}
			late.Add(x[0], x[1])
			whole.Add(x[0], x[1])
		}
		if diff := cmp.Diff(pairsState(whole, 40), pairsState(late, 40)); diff != "" {
			t.Errorf("%d pairs added after indexing (-all added first +added late):\n%s", added, diff)
		}
	}
}
