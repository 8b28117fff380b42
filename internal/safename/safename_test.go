package safename

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	ok := []string{
		"File.idt", "Binary.Banner", "a b", "x..y", ".hidden", "Ŝtring ünicode.txt",
		"CONSOLE", "COM10", "LPTX", "nul_", "con-x.txt", "COMA", strings.Repeat("a", MaxLen),
		"Program Files (x86)", "中文文件名.dll",
	}
	for _, name := range ok {
		if err := Check(name); err != nil {
			t.Errorf("Check(%q) = %v, want nil", name, err)
		}
	}
	bad := []string{
		"", ".", "..", "../x", "..\\x", "a/b", "a\\b", "/etc", "C:", "C:\\x", "c:x",
		"file.txt:stream", "a\x00b", "a\nb", "tab\there", "\x1b[31m", "del\x7f", "c1\u0085",
		"a<b", "a>b", `a"b`, "a|b", "a?b", "a*b", "trail.", "trail ", "...",
		"CON", "con", "Con.txt", "NUL.tar.gz", "aux", "PRN", "COM1", "com9.log", "LPT0",
		"LPT¹", "com³.txt", "nul .txt", "CONIN$", "conout$ .log", strings.Repeat("a", MaxLen+1), "bad\xffutf8",
	}
	for _, name := range bad {
		err := Check(name)
		if err == nil {
			t.Errorf("Check(%q) = nil, want an error", name)
			continue
		}
		if !errors.Is(err, ErrUnsafe) {
			t.Errorf("Check(%q) = %v, which does not match ErrUnsafe", name, err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Name != name || e.Reason == "" {
			t.Errorf("Check(%q) = %#v, want an *Error naming it with a reason", name, err)
		}
	}
}

// Checking a name costs no allocation (an export checks one per binary
// cell, 100,000 in a crafted package).
func TestCheckAllocations(t *testing.T) {
	for _, name := range []string{"Binary", "Binary.s12345", "comx.txt", "CONOUT", "a_long_file_name.ext"} {
		if n := testing.AllocsPerRun(100, func() { Check(name) }); n != 0 {
			t.Errorf("Check(%q): %v allocations", name, n)
		}
	}
}
