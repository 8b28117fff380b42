package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

// runCLI runs the program with args and returns exit code, stdout, stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// allCommands lists every runnable command path, including "cfb ls".
func allCommands() [][]string {
	var out [][]string
	for _, c := range commands() {
		if len(c.Sub) == 0 {
			out = append(out, []string{c.Name})
			continue
		}
		for _, s := range c.Sub {
			out = append(out, []string{c.Name, s.Name})
		}
	}
	return out
}

func TestHelpEveryCommand(t *testing.T) {
	for _, path := range allCommands() {
		name := strings.Join(path, " ")
		t.Run(name, func(t *testing.T) {
			for _, args := range [][]string{
				append(append([]string{}, path...), "--help"),
				append(append([]string{}, path...), "-h"),
				append([]string{"help"}, path...),
			} {
				code, out, errOut := runCLI(t, args...)
				if code != exitOK {
					t.Fatalf("%q: exit %d, stderr %q", args, code, errOut)
				}
				if errOut != "" {
					t.Errorf("%q: unexpected stderr %q", args, errOut)
				}
				for _, want := range []string{"usage: msikit " + name, "Flags:", "-h, --help"} {
					if !strings.Contains(out, want) {
						t.Errorf("%q: help lacks %q:\n%s", args, want, out)
					}
				}
			}
		})
	}
}

// Every command documents itself fully: a description and an example.
func TestCommandDocs(t *testing.T) {
	check := func(c *Command) {
		if c.Short == "" || c.Long == "" || c.Example == "" {
			t.Errorf("msikit %s: Short, Long and Example must all be set", fullName(c))
		}
		if !strings.HasPrefix(c.UsageLine, "msikit ") {
			t.Errorf("%s: usage line %q does not start with msikit", fullName(c), c.UsageLine)
		}
	}
	for _, c := range commands() {
		check(c)
		for _, s := range c.Sub {
			check(s)
		}
	}
}

func TestMainUsage(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		inStdout []string
		inStderr []string
	}{
		{nil, exitUsage, nil, []string{"Usage:", "msikit <command>", "rewrite"}},
		{[]string{"--help"}, exitOK, []string{"Commands:", "info", "cfb", "help"}, nil},
		{[]string{"help"}, exitOK, []string{"Commands:", "version"}, nil},
		{[]string{"frobnicate"}, exitUsage, nil, []string{`msikit: unknown command "frobnicate"`}},
		{[]string{"help", "frobnicate"}, exitUsage, nil, []string{`unknown command "frobnicate"`}},
		{[]string{"cfb"}, exitUsage, nil, []string{"usage: msikit cfb"}},
		{[]string{"cfb", "frob"}, exitUsage, nil, []string{`msikit cfb: unknown command "frob" (run`}},
		{[]string{"extarct", "x.msi"}, exitUsage, nil, []string{`msikit: unknown command "extarct"; did you mean extract? (run 'msikit help' for the list)`}},
		{[]string{"help", "cfb", "sl"}, exitUsage, nil, []string{`unknown command "cfb sl"; did you mean ls?`}},
		{[]string{"log", "explian"}, exitUsage, nil, []string{`msikit log: unknown command "explian"; did you mean explain?`}},
		{[]string{"extract", "x.msi", "--max-byte=5"}, exitUsage, nil, []string{"msikit extract: unknown flag: --max-byte; did you mean --max-bytes? (see 'msikit help extract')"}},
		{[]string{"info", "--no-such-flag"}, exitUsage, nil, []string{"msikit info: unknown flag: --no-such-flag (see 'msikit help info')"}},
		{[]string{"cfb", "ls", "--no-such-flag"}, exitUsage, nil, []string{"msikit cfb ls: unknown flag", "msikit help cfb ls"}},
		{[]string{"version"}, exitOK, []string{"msikit ", "go1."}, nil},
		{[]string{"--version"}, exitOK, []string{"msikit "}, nil},
		{[]string{"version", "extra"}, exitUsage, nil, []string{"msikit version: version takes no arguments"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.code, errOut)
			}
			for _, w := range tt.inStdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.inStderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// A failing command prints exactly one line on stderr.
func TestErrorsAreOneLine(t *testing.T) {
	if got := oneLine("a\nb\r\nc"); got != "a; b; c" {
		t.Errorf("oneLine = %q", got)
	}
}

// TestBatchJobsDefault checks that the batch commands' --jobs default is
// one per CPU but at most maxDefaultJobs, so a many-CPU machine does not
// hold dozens of hostile packages at once unless asked to.
func TestBatchJobsDefault(t *testing.T) {
	defer func(f func() int) { numCPU = f }(numCPU)
	for _, tc := range []struct{ cpus, want int }{{1, 1}, {2, 2}, {64, maxDefaultJobs}} {
		numCPU = func() int { return tc.cpus }
		for _, cmd := range []string{"rewrite", "sbom", "verify"} {
			code, out, errOut := runCLI(t, "help", cmd)
			if code != exitOK {
				t.Fatalf("help %s: exit %d: %s", cmd, code, errOut)
			}
			var line string
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, "--jobs N") {
					line = l
				}
			}
			if want := fmt.Sprintf("(default %d)", tc.want); !strings.HasSuffix(line, want) {
				t.Errorf("%d CPUs: help %s: --jobs line %q does not end in %q", tc.cpus, cmd, line, want)
			}
		}
		if got := defaultJobs(); got != tc.want {
			t.Errorf("%d CPUs: defaultJobs() = %d, want %d", tc.cpus, got, tc.want)
		}
	}
}
