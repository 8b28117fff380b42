package darwin

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/winemsi"
)

// wineDifferences are inputs on which msi.dll (Wine's
// MsiDecomposeDescriptorW) and Parse disagree on purpose; the package
// documentation lists them.
var wineDifferences = map[string]string{
	// Wine keeps the low 32 bits of a group past 32 bits; Parse refuses
	// it.
	"~~~~~~~~~~~~~~~~~~~~F<":                     "overflow",
	"!!!!!!!!!!!!!!!!!!!!F>!!!!!!!!!!!!!!!~~~~~": "overflow",
	"$0_?{!0_?{!0_?{!0_?{F<":                     "overflow",
	// Wine looks for '>' before '<', so the arguments' '>' ends its
	// feature name.
	"']gAVn-}f(ZXfeAR6.jiMain< a>b": "'>' in the arguments",
}

// TestParseWine decomposes every descriptor of the unit tests, and
// random ones of every form, with msi.dll's MsiDecomposeDescriptorW under
// Wine, and checks that Parse finds the same product, feature, component
// and length, and fails exactly where msi.dll fails (apart from
// wineDifferences).
func TestParseWine(t *testing.T) {
	w := winemsi.New(t)
	inputs := []string{officeWord, wineTest,
		"']gAVn-}f(ZXfeAR6.jiMain<", "']gAVn-}f(ZXfeAR6.ji>3w2x^IGfe?CxI5heAvk.", "']gAVn-}f(ZXfeAR6.ji<",
		"']gAVn-}f(ZXfeAR6.jiMain< /p \"%1\"", wineTest + " /edit \"%1\"", "']gAVn-}f(ZXfeAR6.jiMain< a>b",
		"']gAVn-}f(ZXfeAR6.ji" + strings.Repeat("F", 38) + "<", "']gAVn-}f(ZXfeAR6.ji" + strings.Repeat("F", 39) + "<",
		"!!!!!!!!!!!!!!!!!!!!F>!!!!!!!!!!!!!!!!!!!!", "!0_?{!0_?{!0_?{!0_?{F<", "$0_?{!0_?{!0_?{!0_?{F<",
		"']gAVn-}f(", `C:\Program Files\App\app.exe`, "']gAV\"-}f(ZXfeAR6.jiF<", "']gAVn-}f(ZXfeAR6.jiFeature",
		"']gAVn-}f(ZXfeAR6.jiF>3w2x^", "~~~~~~~~~~~~~~~~~~~~F<", "!!!!!!!!!!!!!!!!!!!!F>!!!!!!!!!!!!!!!~~~~~",
		"']gAVn-}f(ZXfeAR6.jiMain<x",
		// Non-ASCII text cannot be passed: the machine has no UTF-8
		// locale for Wine to read the tool's arguments in.
	}
	// Random descriptors of each form, with random feature names.
	rng := rand.New(rand.NewSource(21))
	guid := func() string {
		return fmt.Sprintf("{%08X-%04X-%04X-%04X-%012X}", rng.Uint32(), rng.Intn(1<<16), rng.Intn(1<<16), rng.Intn(1<<16), rng.Int63n(1<<48))
	}
	const featChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_."
	for i := 0; i < 60; i++ {
		d := Descriptor{Product: guid()}
		if i%3 != 0 {
			n := 1 + rng.Intn(MaxFeatureLen)
			var f []byte
			for j := 0; j < n; j++ {
				f = append(f, featChars[rng.Intn(len(featChars))])
			}
			d.Feature = string(f)
		}
		if i%2 == 0 {
			d.Component = guid()
		}
		s, err := Encode(d)
		if err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			s += " /arg \"%1\""
		}
		inputs = append(inputs, s)
	}
	script := new(winemsi.Script)
	for _, s := range inputs {
		script.Decompose(s)
	}
	out, err := w.Run(t, script)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Decomposed) != len(inputs) {
		t.Fatalf("msi.dll decomposed %d descriptors, want %d", len(out.Decomposed), len(inputs))
	}
	agreed := 0
	for i, s := range inputs {
		w := out.Decomposed[i]
		d, n, err := Parse(s)
		if why, ok := wineDifferences[s]; ok {
			t.Logf("%q (%s): msi.dll %+v; Parse %+v, %d, %v", s, why, w, d, n, err)
			continue
		}
		const errorInvalidParameter = 87
		switch {
		case w.Code != 0 && err == nil:
			t.Errorf("%q: msi.dll fails with %d, Parse gives %+v", s, w.Code, d)
		case w.Code == 0 && err != nil:
			t.Errorf("%q: msi.dll decomposes it to %+v, Parse fails: %v", s, w.Descriptor, err)
		case w.Code != 0:
			if w.Code != errorInvalidParameter {
				t.Errorf("%q: msi.dll returned %d, want ERROR_INVALID_PARAMETER", s, w.Code)
			}
			agreed++
		default:
			got := winemsi.Descriptor{Product: d.Product, Feature: d.Feature, Component: d.Component, Used: n}
			if diff := cmp.Diff(w.Descriptor, got); diff != "" {
				t.Errorf("%q: msi.dll vs Parse (-msi.dll +Parse):\n%s", s, diff)
			}
			agreed++
		}
	}
	t.Logf("%d of %d inputs agree with msi.dll; %d documented differences", agreed, len(inputs), len(wineDifferences))
}
