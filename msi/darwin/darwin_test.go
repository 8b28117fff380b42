package darwin

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// officeWord is the descriptor of Word's advertised entry points quoted
// by Laurie Rhodes, "Darwin Descriptors & the Windows Installer Repair
// Hierarchy" (laurierhodes.info/node/34): Office's product code, feature
// WORDFiles and a component.
const officeWord = "']gAVn-}f(ZXfeAR6.jiWORDFiles>P`os,1@SW=P7v6GPl]Xh"

// wineTest is the descriptor of Wine's MsiDecomposeDescriptor test.
const wineTest = "']gAVn-}f(ZXfeAR6.jiFollowTheWhiteRabbit>3w2x^IGfe?CxI5heAvk."

func TestDecode(t *testing.T) {
	const office = "{90110409-6000-11D3-8CFE-0150048383C9}"
	tests := []struct {
		name string
		in   string
		want Descriptor
		args string
		used int // Parse's length
	}{
		{"office word", officeWord, Descriptor{Product: office, Feature: "WORDFiles", Component: "{1EBDE4BC-9A51-4630-B541-2561FA45CCC5}"}, "", len(officeWord)},
		{"wine test", wineTest, Descriptor{Product: office, Feature: "FollowTheWhiteRabbit", Component: "{A7CD68DB-EF74-49C8-FBB2-A7C463B2AC24}"}, "", len(wineTest)},
		{"no component", "']gAVn-}f(ZXfeAR6.jiMain<", Descriptor{Product: office, Feature: "Main"}, "", 25},
		{"no feature", "']gAVn-}f(ZXfeAR6.ji>3w2x^IGfe?CxI5heAvk.", Descriptor{Product: office, Component: "{A7CD68DB-EF74-49C8-FBB2-A7C463B2AC24}"}, "", 41},
		{"product alone", "']gAVn-}f(ZXfeAR6.ji<", Descriptor{Product: office}, "", 21},
		{"arguments", "']gAVn-}f(ZXfeAR6.jiMain< /p \"%1\"", Descriptor{Product: office, Feature: "Main"}, `/p "%1"`, 25},
		{"arguments after component", wineTest + " /edit \"%1\"", Descriptor{Product: office, Feature: "FollowTheWhiteRabbit", Component: "{A7CD68DB-EF74-49C8-FBB2-A7C463B2AC24}"}, `/edit "%1"`, len(wineTest)},
		{"arguments holding '>'", "']gAVn-}f(ZXfeAR6.jiMain< a>b", Descriptor{Product: office, Feature: "Main"}, "a>b", 25},
		{"feature of 38", "']gAVn-}f(ZXfeAR6.ji" + strings.Repeat("F", 38) + "<", Descriptor{Product: office, Feature: strings.Repeat("F", 38)}, "", 59},
		{"zero GUIDs", "!!!!!!!!!!!!!!!!!!!!F>!!!!!!!!!!!!!!!!!!!!", Descriptor{Product: "{00000000-0000-0000-0000-000000000000}", Feature: "F", Component: "{00000000-0000-0000-0000-000000000000}"}, "", 42},
		{"largest words", "!0_?{!0_?{!0_?{!0_?{F<", Descriptor{Product: "{FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF}", Feature: "F"}, "", 22},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, args, err := Decode(tt.in)
			if err != nil {
				t.Fatalf("Decode(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode(%q) (-want +got):\n%s", tt.in, diff)
			}
			if args != tt.args {
				t.Errorf("Decode(%q) args = %q, want %q", tt.in, args, tt.args)
			}
			_, n, err := Parse(tt.in)
			if err != nil || n != tt.used {
				t.Errorf("Parse(%q) = %d, %v; want %d", tt.in, n, err, tt.used)
			}
			enc, err := Encode(got)
			if err != nil {
				t.Fatalf("Encode(%+v): %v", got, err)
			}
			if enc != tt.in[:tt.used] {
				t.Errorf("Encode(Decode(%q)) = %q", tt.in, enc)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	long := "']gAVn-}f(ZXfeAR6.ji" + strings.Repeat("F", 39) + "<"
	tests := []struct {
		name string
		in   string
		off  int64
	}{
		{"empty", "", 0},
		{"too short", "']gAVn-}f(", 10},
		{"path", `C:\Program Files\App\app.exe`, 1},
		{"bad digit", "']gAV\"-}f(ZXfeAR6.jiF<", 5},
		{"no end of feature", "']gAVn-}f(ZXfeAR6.jiFeature", 27},
		{"truncated component", "']gAVn-}f(ZXfeAR6.jiF>3w2x^", 27},
		{"overflowing word", "~~~~~~~~~~~~~~~~~~~~F<", 0},
		{"overflowing component word", "!!!!!!!!!!!!!!!!!!!!F>!!!!!!!!!!!!!!!~~~~~", 37},
		{"one past the largest word", "$0_?{!0_?{!0_?{!0_?{F<", 0},
		{"feature of 39", long, 20},
		{"NUL in feature", "']gAVn-}f(ZXfeAR6.jiF\x00x<", 21},
		{"text after the descriptor", "']gAVn-}f(ZXfeAR6.jiMain<x", 25},
		{"non-ASCII digit", "']gAVn-}f(ZXfeAR6.j\xc3\xa9<", 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode(tt.in)
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("Decode(%q) = %v, want an error matching ErrFormat", tt.in, err)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Offset != tt.off {
				t.Errorf("Decode(%q) = %v, want offset %d", tt.in, err, tt.off)
			}
			if !strings.HasPrefix(err.Error(), "darwin: ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line starting with darwin:", err)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	const p = "{90110409-6000-11D3-8CFE-0150048383C9}"
	for name, d := range map[string]Descriptor{
		"no product":          {Feature: "F"},
		"bad product":         {Product: "{90110409-6000-11D3-8CFE-0150048383CG}"},
		"bad component":       {Product: p, Component: "x"},
		"feature too long":    {Product: p, Feature: strings.Repeat("é", 39)},
		"feature with '>'":    {Product: p, Feature: "a>b"},
		"feature with '<'":    {Product: p, Feature: "a<"},
		"feature with NUL":    {Product: p, Feature: "a\x00"},
		"hyphens misplaced":   {Product: "{901104096-000-11D3-8CFE-0150048383C9}"},
		"braces without GUID": {Product: "{}"},
	} {
		t.Run(name, func(t *testing.T) {
			if s, err := Encode(d); !errors.Is(err, ErrFormat) {
				t.Errorf("Encode(%+v) = %q, %v; want an error matching ErrFormat", d, s, err)
			}
		})
	}
}

func TestGUIDForms(t *testing.T) {
	for _, g := range []string{
		"{00000000-0000-0000-0000-000000000000}", "{FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF}",
		"{19FC3597-50E4-F1ED-E9FF-9ADCCFB93914}", "{90110409-6000-11D3-8CFE-0150048383C9}",
	} {
		enc, err := EncodeGUID(g)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeGUID(enc)
		if err != nil || back != g {
			t.Errorf("DecodeGUID(EncodeGUID(%s)) = %s, %v", g, back, err)
		}
		low, err := EncodeGUID(strings.ToLower(strings.Trim(g, "{}")))
		if err != nil || low != enc {
			t.Errorf("EncodeGUID of the lower-case bare form = %q, %v; want %q", low, err, enc)
		}
		packed, err := PackGUID(g)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := UnpackGUID(packed); err != nil || back != g {
			t.Errorf("UnpackGUID(PackGUID(%s)) = %s, %v", g, back, err)
		}
	}
	// The packed form of Microsoft's documented example
	// ({12345678-ABCD-WXYZ-...} shapes aside, a real product code).
	if p, _ := PackGUID("{93CEEFF6-AA3D-4E99-84E1-8FFBF72C430D}"); p != "6FFEEC39D3AA99E4481EF8BF7FC234D0" {
		t.Errorf("PackGUID = %s", p)
	}
	for _, bad := range []string{"", "12", strings.Repeat("G", 32)} {
		if _, err := UnpackGUID(bad); !errors.Is(err, ErrFormat) {
			t.Errorf("UnpackGUID(%q) = %v", bad, err)
		}
	}
	if _, err := DecodeGUID("!!!!!"); !errors.Is(err, ErrFormat) {
		t.Errorf("DecodeGUID of 5 digits = %v", err)
	}
}

// TestRoundTripAllDigits encodes GUIDs whose words use every digit in
// every position, and decodes them back.
func TestRoundTripAllDigits(t *testing.T) {
	for i := 0; i < len(alphabet); i++ {
		var s []byte
		for j := 0; j < GUIDLen; j++ {
			s = append(s, alphabet[(i+j*7)%len(alphabet)])
		}
		// Keep each word's top digit small enough for 32 bits.
		for w := 0; w < 4; w++ {
			s[5*w+4] = alphabet[(i+w)%40]
		}
		g, err := DecodeGUID(string(s))
		if err != nil {
			t.Fatalf("DecodeGUID(%q): %v", s, err)
		}
		back, err := EncodeGUID(g)
		if err != nil || back != string(s) {
			t.Errorf("EncodeGUID(DecodeGUID(%q)) = %q, %v", s, back, err)
		}
	}
}
