package classreg

import "testing"

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
		d + "x":                false,
	} {
		if got := isDarwinValue(in); got != want {
			t.Errorf("isDarwinValue(%q) = %v, want %v", in, got, want)
		}
	}
}
