package classreg

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeDarwin(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want darwinDescriptor
		ok   bool
	}{
		{
			// The descriptor of Wine's MsiDecomposeDescriptor test.
			name: "feature and component",
			in:   "']gAVn-}f(ZXfeAR6.jiFollowTheWhiteRabbit>3w2x^IGfe?CxI5heAvk.",
			want: darwinDescriptor{Product: "{90110409-6000-11D3-8CFE-0150048383C9}", Feature: "FollowTheWhiteRabbit", Component: "{A7CD68DB-EF74-49C8-FBB2-A7C463B2AC24}"},
			ok:   true,
		},
		{
			name: "no component, arguments",
			in:   "']gAVn-}f(ZXfeAR6.jiMain< /p \"%1\"",
			want: darwinDescriptor{Product: "{90110409-6000-11D3-8CFE-0150048383C9}", Feature: "Main", Args: `/p "%1"`},
			ok:   true,
		},
		{name: "too short", in: "']gAVn-}f(", ok: false},
		{name: "plain path", in: `C:\Program Files\App\app.exe`, ok: false},
		{name: "bad digit", in: "']gAV\"-}f(ZXfeAR6.jiF>3w2x^IGfe?CxI5heAvk.", ok: false},
		{name: "no separator", in: "']gAVn-}f(ZXfeAR6.jiFeature", ok: false},
		{name: "truncated component", in: "']gAVn-}f(ZXfeAR6.jiF>3w2x^", ok: false},
		{name: "overflowing word", in: "~~~~~~~~~~~~~~~~~~~~F<", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeDarwin(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("decodeDarwin(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decodeDarwin(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestEncodeDarwinRoundTrip(t *testing.T) {
	got, err := encodeDarwin("{90110409-6000-11D3-8CFE-0150048383C9}", "FollowTheWhiteRabbit", "{A7CD68DB-EF74-49C8-FBB2-A7C463B2AC24}")
	if err != nil {
		t.Fatal(err)
	}
	if want := "']gAVn-}f(ZXfeAR6.jiFollowTheWhiteRabbit>3w2x^IGfe?CxI5heAvk."; got != want {
		t.Errorf("encodeDarwin = %q, want %q", got, want)
	}
	for _, g := range []string{"{00000000-0000-0000-0000-000000000000}", "{FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF}", "{19FC3597-50E4-F1ED-E9FF-9ADCCFB93914}"} {
		s, err := encodeGUID85(g)
		if err != nil {
			t.Fatal(err)
		}
		back, ok := decodeGUID85(s)
		if !ok || back != g {
			t.Errorf("round trip %s -> %q -> %s, %v", g, s, back, ok)
		}
	}
	if _, err := encodeGUID85("not-a-guid"); err == nil {
		t.Error("encodeGUID85 accepted a non-GUID")
	}
}

func TestIsDarwinValue(t *testing.T) {
	d := "']gAVn-}f(ZXfeAR6.jiMain>3w2x^IGfe?CxI5heAvk."
	for in, want := range map[string]bool{
		d:                      true,
		d + ` "%1"`:            true,
		d + "|" + d:            true,
		`C:\x.exe "%1"`:        false,
		"":                     false,
		d + "|" + `C:\x.exe`:   false,
		`"C:\Program Files\a"`: false,
	} {
		if got := isDarwinValue(in); got != want {
			t.Errorf("isDarwinValue(%q) = %v, want %v", in, got, want)
		}
	}
}
