package darwin

import (
	"errors"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// FuzzDecode decodes any text as a descriptor: no panic, errors typed,
// and whatever decodes encodes back to the same text (the codec is a
// bijection on valid descriptors), with Parse agreeing on the length.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{officeWord, wineTest, wineTest + " /a \"%1\"", "']gAVn-}f(ZXfeAR6.ji<", "']gAVn-}f(ZXfeAR6.ji>3w2x^IGfe?CxI5heAvk.",
		"~~~~~~~~~~~~~~~~~~~~F<", `C:\x.exe`, "", "!0_?{!0_?{!0_?{!0_?{F<"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		testenv.CheckFuzzBudget(t, len(s), func() {
			d, args, err := Decode(s)
			if err != nil {
				if !errors.Is(err, ErrFormat) || strings.ContainsAny(err.Error(), "\n\r") {
					t.Fatalf("Decode(%q): bad error %v", s, err)
				}
				return
			}
			enc, err := Encode(d)
			if err != nil {
				t.Fatalf("Encode(Decode(%q) = %+v): %v", s, d, err)
			}
			back := enc
			if args != "" || len(s) > len(enc) {
				back += " " + args
			}
			if back != s {
				t.Fatalf("Decode(%q) = %+v, %q; encodes back to %q", s, d, args, back)
			}
			if _, n, err := Parse(s); err != nil || n != len(enc) {
				t.Fatalf("Parse(%q) = %d, %v; want %d", s, n, err, len(enc))
			}
		})
	})
}

// FuzzShortcut parses any bytes as a shell link: no panic, errors typed,
// each input within the fuzz budgets (testenv.CheckFuzzBudget), and a
// darwin identifier found is non-empty.
func FuzzShortcut(f *testing.F) {
	f.Add(linkSpec{idList: []byte{0, 0}, strs: [5]*string{str("n"), nil, str(`C:\`), str(`/a "%1"`), nil}, darwin: wineTest}.build())
	f.Add(linkSpec{ansi: true, linkInfo: make([]byte, 24), strs: [5]*string{nil, str("r"), nil, str("x"), nil}, blocks: [][]byte{envBlock("e")}, darwin: officeWord}.build())
	f.Add(linkSpec{noTerm: true}.build())
	f.Fuzz(func(t *testing.T, b []byte) {
		testenv.CheckFuzzBudget(t, len(b), func() {
			s, err := ParseShortcut(b)
			if err != nil {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("untyped error %v", err)
				}
				return
			}
			if s.Flags&LinkHasDarwinID != 0 && s.DarwinID == "" {
				return // the flag without the block: reported as not advertised
			}
			if _, err := s.Descriptor(); err != nil && s.DarwinID == "" && !errors.Is(err, ErrNoDarwinID) {
				t.Fatalf("Descriptor of a link without an identifier: %v", err)
			}
		})
	})
}
