package wineoracle

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

var fixturePrefixes = []string{`Software\Classes\.synth`, `Software\Classes\Synth.Document`, `Software\Classes\Wow6432Node\CLSID`, `Software\Classes\AppID`}

func TestParseReg(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "system.reg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseReg(f, fixturePrefixes...)
	if err != nil {
		t.Fatal(err)
	}
	const app = `Software\Classes\AppID\{C0AF3D77-0F82-D7AE-A78D-2FDBC80116E3}`
	const cmd = `Software\Classes\Synth.Document\shell\open\command`
	const srv = `Software\Classes\Wow6432Node\CLSID\{FDA36073-66C4-5C98-5F70-99959F7B05AA}\InprocServer32`
	want := []Entry{
		{Key: `Software\Classes\.synth`, Type: "KEY"},
		{`Software\Classes\.synth`, "(Default)", "REG_SZ", "Synth.Document"},
		{`Software\Classes\.synth`, "Content Type", "REG_SZ", "application/x-synth"},
		{Key: app, Type: "KEY"},
		{app, "(Default)", "REG_SZ", "Café ☺"},
		{app, "Flags", "REG_DWORD", "0x00000001"},
		{app, "Multi", "REG_MULTI_SZ", "a|b"},
		{app, "Path", "REG_EXPAND_SZ", `%ProgramFiles%\x`},
		{Key: cmd, Type: "KEY"},
		{cmd, "(Default)", "REG_SZ", `"C:\Program Files (x86)\SynthCorp\bin\app.exe" "%1"`},
		{cmd, "command", "REG_MULTI_SZ", `']gAVn-}f(ZXfeAR6.jiCore>3w2x^IGfe?CxI5heAvk. "%1"`},
		{Key: srv, Type: "KEY"},
		{srv, "(Default)", "REG_SZ", `C:\Program Files (x86)\SynthCorp\bin\comserver.dll`},
		{srv, "ThreadingModel", "REG_SZ", "Apartment"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseReg (-want +got):\n%s", diff)
	}
}

// TestParseRegMatchesPython compares the Go parser with the shipped Python
// normaliser (../shared/oracles/wine-regdump.py) when it is available.
func TestParseRegMatchesPython(t *testing.T) {
	script := filepath.Join(testenv.RepoRoot(), "..", "shared", "oracles", "wine-regdump.py")
	if _, err := os.Stat(script); err != nil {
		t.Skip("wine-regdump.py not found beside the repository; differential test skipped")
	}
	py := testenv.NeedTool(t, "python3", "python3")
	type run struct {
		file     string
		prefixes []string
	}
	runs := []run{{filepath.Join("testdata", "system.reg"), fixturePrefixes}}
	if extra := os.Getenv("MSIKIT_WINE_REG"); extra != "" {
		runs = append(runs, run{extra, []string{"Software", "System"}}) // a real system.reg
	}
	for _, r := range runs {
		file, prefixes := r.file, r.prefixes
		out, err := exec.Command(py, append([]string{script, file}, prefixes...)...).Output()
		if err != nil {
			t.Fatalf("%s: %v", script, err)
		}
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := ParseReg(f, prefixes...)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.String())
		}
		want := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: Go parser vs wine-regdump.py (-python +go):\n%s", file, diff)
		}
	}
}

func TestWinPath(t *testing.T) {
	if got := WinPath("/tmp/x y/a.msi"); got != `Z:\tmp\x y\a.msi` {
		t.Errorf("WinPath = %q", got)
	}
}

func TestLogProperty(t *testing.T) {
	real, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "msi", "msilog", "testdata", "wine-ok.log"))
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		Value string
		Found bool
		Saw   bool
	}
	for _, tc := range []struct {
		name, log, prop string
		want            result
	}{
		{"wine log", string(real), "ComputerName", result{"VM", true, true}},
		{"wine log, other case", string(real), "COMPUTERNAME", result{"", false, true}},
		{"CRLF, last wins", "Property(S): ComputerName = A\r\nx\r\nProperty(S): ComputerName = B\r\n", "ComputerName", result{"B", true, true}},
		{"empty value", "Property(S): ComputerName = \n", "ComputerName", result{"", true, false}},
		{"client side only", "Property(C): ComputerName = VM\n", "ComputerName", result{"", false, false}},
		{"no log", "", "ComputerName", result{"", false, false}},
		{"longer name", "Property(S): ComputerNameX = VM", "ComputerName", result{"", false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := LogProperty(tc.log, tc.prop)
			got := result{v, ok, SawComputerName(tc.log)}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Error(d)
			}
		})
	}
}
