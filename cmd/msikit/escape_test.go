package main

import (
	"bufio"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
)

func TestEscape(t *testing.T) {
	for _, tt := range []struct {
		in, name, text string
	}{
		{"Property", "Property", "Property"},
		{"\x05SummaryInformation", `\x05SummaryInformation`, `\x05SummaryInformation`},
		{`CLSID\{x}`, `CLSID\\{x}`, `CLSID\{x}`},
		{"\x1b[2Jred\x1b[0m", `\x1b[2Jred\x1b[0m`, `\x1b[2Jred\x1b[0m`},
		{"a\rb\nc\td\x7f", `a\x0db\x0ac\x09d\x7f`, `a\x0db\x0ac\x09d\x7f`},
		{"c1\u0085 bidi\u202e nbsp\u00a0", `c1\u0085 bidi\u202e nbsp\u00a0`, `c1\u0085 bidi\u202e nbsp\u00a0`},
		{"tag\U000E0041", `tag\U000e0041`, `tag\U000e0041`},
		{"bad\xff\xfeutf8", `bad\xff\xfeutf8`, `bad\xff\xfeutf8`},
		{"Ŝtring ünicode 中文", "Ŝtring ünicode 中文", "Ŝtring ünicode 中文"},
	} {
		if got := escapeName(tt.in); got != tt.name {
			t.Errorf("escapeName(%q) = %q, want %q", tt.in, got, tt.name)
		}
		if got := escapeText(tt.in); got != tt.text {
			t.Errorf("escapeText(%q) = %q, want %q", tt.in, got, tt.text)
		}
		if got, ok := unescapeName(tt.name); !ok || got != tt.in {
			t.Errorf("unescapeName(%q) = %q, %v, want %q", tt.name, got, ok, tt.in)
		}
	}
	for _, bad := range []string{`a\`, `\q`, `\x1`, `\xzz`, `\u12`, `\U0000`} {
		if got, ok := unescapeName(bad); ok {
			t.Errorf("unescapeName(%q) = %q, want a refusal", bad, got)
		}
	}
}

// TestEscapeProperties checks, on every byte and on random strings mixing
// control, format, invalid and ordinary characters, that escaped text
// carries nothing a terminal acts on and that names unescape to the
// original.
func TestEscapeProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "\\", "x", "\x00", "\x1b", "\x7f", "\xff", "\xc3", "\u0085", "\u202e", "\u00a0", "é", "中", "\U000e0041", " ", "\t"}
	var inputs []string
	for b := 0; b < 256; b++ {
		inputs = append(inputs, string([]byte{byte(b)}))
	}
	for i := 0; i < 2000; i++ {
		var sb strings.Builder
		for n := r.IntN(12); n > 0; n-- {
			sb.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		inputs = append(inputs, sb.String())
	}
	for _, s := range inputs {
		for _, esc := range []string{escapeName(s), escapeText(s)} {
			if !utf8.ValidString(esc) {
				t.Fatalf("escape(%q) = %q, not UTF-8", s, esc)
			}
			for _, r := range esc {
				if r != ' ' && !unicode.IsPrint(r) {
					t.Fatalf("escape(%q) = %q keeps %U", s, esc, r)
				}
			}
		}
		if got, ok := unescapeName(escapeName(s)); !ok || got != s {
			t.Fatalf("unescapeName(escapeName(%q)) = %q, %v", s, got, ok)
		}
	}
}

func TestTextWriter(t *testing.T) {
	var b strings.Builder
	w := textWriter{&b}
	w.Write([]byte("a\tb\x1b[1m\n"))
	w.Write([]byte(`key CLSID\{x}` + "\r\n"))
	want := "a\tb\\x1b[1m\nkey CLSID\\{x}\\x0d\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("textWriter (-want +got):\n%s", diff)
	}
}

// textWriter passes a line that needs no escape through as it is, without
// allocating (it copied each line into a string and then a builder: two
// allocations a line, millions of lines for audit's text report of a
// package of 120,000 components), and writes any line as escapeText
// would, line feeds and tabs kept.
func TestTextWriterCleanLinesAsTheyAre(t *testing.T) {
	lines := []string{"  component App {GUID}: file app.exe (1.0.0.0)\n", "a\tb\n", "", "no newline", "ünï\n", "a\x1b[1m\tb\x7f\n"}
	var got strings.Builder
	w := textWriter{&got}
	want := ""
	for _, l := range lines {
		if n, err := w.Write([]byte(l)); n != len(l) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", l, n, err)
		}
		for i, part := range strings.Split(l, "\n") {
			if i > 0 {
				want += "\n"
			}
			for j, f := range strings.Split(part, "\t") {
				if j > 0 {
					want += "\t"
				}
				want += escapeText(f)
			}
		}
	}
	if diff := cmp.Diff(want, got.String()); diff != "" {
		t.Errorf("textWriter (-want +got):\n%s", diff)
	}
	line := []byte(lines[0])
	bw := bufio.NewWriter(io.Discard)
	if allocs := testing.AllocsPerRun(100, func() { textWriter{bw}.Write(line) }); allocs > 0 {
		t.Errorf("textWriter.Write of a line that needs no escape: %.0f allocations, want 0", allocs)
	}
	// A line that does (a clipped cell's "…", a control character) is
	// escaped into one buffer, not a string and a builder per field.
	line = []byte("  class-to-registry: remove Class [{X}\tInprocServer32\ta;a;…(63999 bytes)\t\x1b]\n")
	if allocs := testing.AllocsPerRun(100, func() { textWriter{bw}.Write(line) }); allocs > 1 {
		t.Errorf("textWriter.Write of a line that needs escapes: %.0f allocations, want at most 1", allocs)
	}
}

// A line whose characters are all printable, "…" of a clipped cell or
// other non-ASCII text, is written as it is, without a copy: it was
// escaped rune by rune into a buffer of its own (0.8 of the 2.2 s of CPU
// of msikit rewrite --dry-run on the 650,000 lines of the scaled
// msi-mime-rows-one-long-text.msi). What textWriter writes is what the
// escape writes, for clean lines and others alike.
func TestTextWriterPrintableLinesAsTheyAre(t *testing.T) {
	lines := []string{
		"+MIME\t" + strings.Repeat("x", 20) + "…(24576 bytes)\tünï\n",
		"\uFFFD literal, \u00a0 and 日本\n",
		"bad \xff byte\n", "C1 \u0085 control\n", "zero width \u200b\n", "\xe2\x80 cut\n", "del \x7f\n",
	}
	for _, l := range lines {
		var got strings.Builder
		textWriter{&got}.Write([]byte(l))
		want := ""
		for i, part := range strings.Split(l, "\n") {
			if i > 0 {
				want += "\n"
			}
			for j, f := range strings.Split(part, "\t") {
				if j > 0 {
					want += "\t"
				}
				want += escapeText(f)
			}
		}
		if diff := cmp.Diff(want, got.String()); diff != "" {
			t.Errorf("textWriter(%q) (-want +got):\n%s", l, diff)
		}
	}
	line := []byte(lines[0])
	bw := bufio.NewWriter(io.Discard)
	if allocs := testing.AllocsPerRun(100, func() { textWriter{bw}.Write(line) }); allocs > 0 {
		t.Errorf("textWriter.Write of a line of printable characters: %.0f allocations, want 0", allocs)
	}
}

// tables, info, streams and export print names from a package escaped: a
// package cannot send a terminal control sequence through them. A name as
// tables prints it selects the table in export.
func TestCommandsEscapePackageNames(t *testing.T) {
	file := filepath.Join(testenv.RepoRoot(), "testdata", "crafted", "valid", "msi-names-escape.msi")
	dir := t.TempDir()
	for _, args := range [][]string{
		{"tables", file}, {"tables", "-l", file}, {"info", file}, {"streams", file},
		{"export", file, "-d", filepath.Join(dir, "idt")}, {"export", file, "-d", filepath.Join(dir, "json"), "-f", "json"},
		{"rewrite", "--dry-run", file},
	} {
		_, stdout, stderr := runCLI(t, args...)
		for _, out := range []string{stdout, stderr} {
			if i := strings.IndexFunc(out, func(r rune) bool { return r != '\n' && r != '\t' && !unicode.IsPrint(r) && r != ' ' }); i >= 0 {
				t.Errorf("%v prints %q raw:\n%.300s", args[0:2], out[i], out[max(0, i-40):])
			}
		}
	}
	_, tables, _ := runCLI(t, "tables", file)
	if !strings.Contains(tables, `\x1b[2Jred\x1b[0m`) || !strings.Contains(tables, `..\\escaped`) {
		t.Errorf("tables:\n%s", tables)
	}
	code, idt, stderr := runCLI(t, "export", file, `\x1b[2Jred\x1b[0m`)
	if code != exitOK || !strings.HasPrefix(idt, "K\r\ns72\r\n\x1b[2Jred\x1b[0m\tK\r\n") {
		t.Errorf("export of the escaped name: exit %d, %q, %s", code, idt, stderr)
	}
}

// escape writes runs of printable ASCII at once; what it writes is what
// escaping each rune in turn writes, for texts mixing ASCII, backslashes,
// control characters, other runes and invalid UTF-8.
func TestEscapeAsRuneByRune(t *testing.T) {
	runeByRune := func(s string, backslash bool) string {
		var b strings.Builder
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteString(`\x` + hex2(s[i]))
				i++
				continue
			}
			writeEscapedRune(&b, r, backslash)
			i += size
		}
		return b.String()
	}
	pieces := []string{"a", "plain text ", `\`, "\x1b", "\n", "\x7f", "é", "…", "\xff", "\u200b", "\U0001F600", "\ufffd", " ", "~"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		for _, backslash := range []bool{false, true} {
			if got, want := escape(s, backslash), runeByRune(s, backslash); got != want {
				t.Fatalf("escape(%q, %v) = %q, want %q", s, backslash, got, want)
			}
			if got, want := string(appendEscape([]byte("x\x01"), s, backslash)), "x\x01"+runeByRune(s, backslash); got != want {
				t.Fatalf("appendEscape(%q, %v) = %q, want %q", s, backslash, got, want)
			}
		}
	}
}
