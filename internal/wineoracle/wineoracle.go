package wineoracle

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Prefix is a booted Wine prefix.
type Prefix struct {
	// Dir is the WINEPREFIX.
	Dir  string
	wine string
	env  []string
	// unnamed counts the msiexec runs that ran without the machine's
	// name (see Comparable).
	unnamed atomic.Int64
}

// RoundTimeout bounds one wine command (boot, install, uninstall).
const RoundTimeout = 4 * time.Minute

// Boot creates (or reuses) a 64-bit prefix in dir and waits until wineboot
// has finished. wine is the wine command. The prefix runs headless: DISPLAY
// is unset and the Mono and Gecko installers are disabled.
func Boot(ctx context.Context, wine, dir string) (*Prefix, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p := Attach(wine, dir)
	if _, err := p.run(ctx, wine, "wineboot", "-i"); err != nil {
		// wineboot has been seen to fail at once (exit status 53) while
		// other test packages boot prefixes of their own; a second try in
		// a fresh prefix has always worked. A prefix that cannot boot
		// twice is an error.
		first := err
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("wineoracle: wineboot: %w (and removing the prefix: %v)", first, err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if _, err := p.run(ctx, wine, "wineboot", "-i"); err != nil {
			return nil, fmt.Errorf("wineoracle: wineboot: %w (first try: %v)", err, first)
		}
	}
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Attach returns a Prefix for dir, a prefix that Boot has already set up
// (for example in an earlier test process), without running wineboot.
// Commands run in it with the same headless environment as Boot's.
func Attach(wine, dir string) *Prefix {
	env := []string{"WINEPREFIX=" + dir, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d", "WINEARCH=win64"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "WINEPREFIX", "WINEDEBUG", "WINEDLLOVERRIDES", "WINEARCH", "DISPLAY", "WAYLAND_DISPLAY":
			continue
		}
		env = append(env, kv)
	}
	return &Prefix{Dir: dir, wine: wine, env: env}
}

// Command returns a command that runs "wine args..." in this prefix with
// its headless environment, killed when ctx ends. The caller may append to
// its Env (a later entry wins) and set its output: prefer files to pipes
// (an io.Writer), since Wine services the run starts inherit the
// descriptors and keep a pipe open after wine exits, so that Wait blocks.
func (p *Prefix) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.wine, args...)
	cmd.Env = append([]string(nil), p.env...)
	cmd.Dir = p.Dir
	return cmd
}

// Persist starts this prefix's wineserver with a persistence delay of d,
// unless one is running already: the server then outlives each wine
// process by d, so that a sequence of short wine runs does not pay the
// start of the server and the prefix's services (about a second, much
// more under load) each time. The server exits by itself d after its
// last client; Close or Flush stop it at once.
func (p *Prefix) Persist(ctx context.Context, d time.Duration) error {
	cmd := exec.CommandContext(ctx, p.wineserver(), fmt.Sprintf("-p%d", int(d/time.Second)))
	cmd.Env = p.env
	cmd.Dir = p.Dir
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) { // a server is running already
		return nil
	}
	return err
}

// wineserver returns the wineserver command next to wine, or "wineserver".
func (p *Prefix) wineserver() string {
	if dir := filepath.Dir(p.wine); dir != "." {
		if s := filepath.Join(dir, "wineserver"); fileExists(s) {
			return s
		}
	}
	return "wineserver"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func (p *Prefix) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, RoundTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = p.env
	cmd.Dir = p.Dir
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return out, fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), ctx.Err())
	}
	return out, err
}

// wait waits for this prefix's wineserver to exit on its own.
func (p *Prefix) wait(ctx context.Context) error {
	if out, err := p.run(ctx, p.wineserver(), "-w"); err != nil {
		return fmt.Errorf("wineoracle: wineserver -w: %v: %s", err, out)
	}
	return nil
}

// Flush stops this prefix's wineserver, which writes the registry files.
func (p *Prefix) Flush(ctx context.Context) error {
	out, err := p.run(ctx, p.wineserver(), "-k")
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) { // -k fails harmlessly when no server runs
		return fmt.Errorf("wineoracle: wineserver -k: %v: %s", err, out)
	}
	return nil
}

// Close stops the prefix's wineserver. The prefix directory is left for the
// caller (usually a t.TempDir) to remove.
func (p *Prefix) Close() error { return p.Flush(context.Background()) }

// WinPath returns the Windows path of a host path (drive Z: maps /).
func WinPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return `Z:` + strings.ReplaceAll(abs, "/", `\`)
}

// MsiExec runs "wine msiexec <op> <package> /qn /l*v <log> props..." (op is
// "/i" or "/x"), flushes the registry and returns the log's text. A
// non-zero exit status is an error that quotes the end of the log.
//
// A run that fails before it writes its log never reached the installer:
// Wine did not start msiexec (seen once in CI on 2026-12-04, under load:
// exit status 1, no output, no log). Such a run is made once more after
// the wineserver is stopped; a second one is an error.
func (p *Prefix) MsiExec(ctx context.Context, op, pkg string, props ...string) (string, error) {
	for attempt := 1; ; attempt++ {
		text, started, err := p.msiexec(ctx, op, pkg, props...)
		if err == nil || started || attempt > 1 || ctx.Err() != nil {
			return text, err
		}
	}
}

// msiexec makes one run of MsiExec; started reports whether msiexec wrote
// its log.
func (p *Prefix) msiexec(ctx context.Context, op, pkg string, props ...string) (text string, started bool, err error) {
	logPath := filepath.Join(p.Dir, fmt.Sprintf("msiexec-%d.log", time.Now().UnixNano()))
	args := append([]string{"msiexec", op, WinPath(pkg), "/qn", "/l*v", WinPath(logPath)}, props...)
	out, err := p.run(ctx, p.wine, args...)
	log, _ := os.ReadFile(logPath)
	text = decodeLog(log)
	if len(log) > 0 && !SawComputerName(text) {
		p.unnamed.Add(1)
	}
	if ferr := p.Flush(ctx); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		tail := text
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		if len(log) == 0 {
			tail = "(msiexec wrote no log)"
		}
		return text, len(log) > 0, fmt.Errorf("wineoracle: msiexec %s %s: %v: %s\n--- log tail:\n%s", op, filepath.Base(pkg), err, bytes.TrimSpace(out), tail)
	}
	return text, true, nil
}

// decodeLog returns a msiexec log as text (Wine writes it in UTF-8 or
// UTF-16LE depending on the version).
func decodeLog(b []byte) string {
	if len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE {
		u := make([]rune, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, rune(uint16(b[i])|uint16(b[i+1])<<8))
		}
		return string(u)
	}
	return string(b)
}

// LogProperty returns the value a msiexec log (MsiExec's text) gives for
// the property name in its "Property(S): name = value" lines (the last
// such line), and whether there is one. Names are compared with case, as
// the installer does.
//
// Tests use it to check what the installer saw of its environment: Wine's
// msi sets ComputerName only when GetComputerNameW works, and in CI on
// 2026-12-06 one install of two in the same prefix ran without it, so that
// a registry value formatted from [ComputerName] was empty in one install
// and the machine's name in the other. See Comparable.
func LogProperty(log, name string) (string, bool) {
	prefix := "Property(S): " + name + " = "
	value, found := "", false
	for len(log) > 0 {
		line, rest, _ := strings.Cut(log, "\n")
		log = rest
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), prefix); ok {
			value, found = v, true
		}
	}
	return value, found
}

// SawComputerName reports whether the msiexec run that wrote log had the
// machine's name (a non-empty ComputerName property).
func SawComputerName(log string) bool {
	v, ok := LogProperty(log, "ComputerName")
	return ok && v != ""
}

// Comparable makes the installs a test compares: it calls installs, which
// runs MsiExec in p, and calls it once more when one of those runs ran
// without the machine's name, after calling again (when not nil), which
// returns the prefix for the second attempt (a new one when what the
// first left behind would show). Installs of a package that formats
// [ComputerName] are comparable only when all of them saw the name (see
// LogProperty); a second miss fails the test.
func Comparable(t testing.TB, p *Prefix, installs func(), again func() *Prefix) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		before := p.unnamed.Load()
		installs()
		missed := p.unnamed.Load() - before
		if missed == 0 {
			return
		}
		if attempt == 2 {
			t.Fatalf("wineoracle: msiexec ran without the machine's name in both attempts (%d runs the second time): the installs cannot be compared", missed)
			return
		}
		t.Logf("wineoracle: %d msiexec runs ran without the machine's name; making the installs again", missed)
		if again != nil {
			p = again()
		}
	}
}

// An Entry is one registry key (Type "KEY", Name and Value empty) or value.
type Entry struct {
	Key   string // relative to the hive root, as written in the .reg file
	Name  string // "(Default)" for the default value
	Type  string // KEY, REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ (strings joined by "|"), REG_DWORD, OTHER
	Value string
}

// String formats the entry as one "key | name | type | value" line, the
// shape the tests compare (a key prints as "key |  | KEY |").
func (e Entry) String() string {
	if e.Type == "KEY" {
		return e.Key + " |  | KEY |"
	}
	return e.Key + " | " + e.Name + " | " + e.Type + " | " + e.Value
}

// IsKey reports whether e is a key rather than a value.
func (e Entry) IsKey() bool { return e.Type == "KEY" }

// Dump parses the prefix's system.reg (HKEY_LOCAL_MACHINE) and returns
// the entries under the given key prefixes (compared without case, e.g.
// `Software\Classes\CLSID\{…}`), sorted without case.
func (p *Prefix) Dump(prefixes ...string) ([]Entry, error) {
	f, err := os.Open(filepath.Join(p.Dir, "system.reg"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseReg(f, prefixes...)
}

var (
	keyLine   = regexp.MustCompile(`^\[(.*)\](?: \d+)?$`)
	valueLine = regexp.MustCompile(`^(@|"(?:[^"\\]|\\.)*")=(.*)$`)
)

// ParseReg parses a Wine registry file and keeps the entries under the
// given key prefixes (all entries when none is given).
func ParseReg(r io.Reader, prefixes ...string) ([]Entry, error) {
	var low []string
	for _, p := range prefixes {
		low = append(low, strings.ToLower(p))
	}
	keep := func(key string) bool {
		if len(low) == 0 {
			return true
		}
		k := strings.ToLower(key)
		for _, p := range low {
			if k == p || strings.HasPrefix(k, p+`\`) {
				return true
			}
		}
		return false
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<26)
	seen := map[string]bool{}
	var out []Entry
	add := func(e Entry) {
		s := e.String()
		if !seen[s] {
			seen[s] = true
			out = append(out, e)
		}
	}
	key, have := "", false
	var pending string
	for sc.Scan() {
		line := sc.Text()
		if pending != "" {
			line = pending + strings.TrimSpace(line)
			pending = ""
		}
		if strings.HasSuffix(line, `\`) && !strings.HasSuffix(line, `\\`) {
			pending = line[:len(line)-1]
			continue
		}
		if strings.HasPrefix(line, "[") {
			m := keyLine.FindStringSubmatch(line)
			have = m != nil
			if have {
				key = unescape(m[1])
				if keep(key) {
					add(Entry{Key: key, Type: "KEY"})
				}
			}
			continue
		}
		if !have || line == "" || line[0] == '#' || line[0] == ';' || !keep(key) {
			continue
		}
		m := valueLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name := "(Default)"
		if m[1] != "@" {
			name = unescape(m[1][1 : len(m[1])-1])
		}
		typ, val := parseData(m[2])
		add(Entry{Key: key, Name: name, Type: typ, Value: val})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := strings.ToLower(out[i].String()), strings.ToLower(out[j].String())
		if a != b {
			return a < b
		}
		return out[i].String() < out[j].String()
	})
	return out, nil
}

func parseData(raw string) (typ, val string) {
	quoted := func(s string) string {
		s = strings.TrimPrefix(s, `"`)
		s = strings.TrimSuffix(s, `"`)
		return unescape(s)
	}
	switch {
	case strings.HasPrefix(raw, `"`):
		return "REG_SZ", quoted(raw)
	case strings.HasPrefix(raw, "str(2):"):
		return "REG_EXPAND_SZ", quoted(raw[7:])
	case strings.HasPrefix(raw, "str(7):"):
		return "REG_MULTI_SZ", multi(quoted(raw[7:]))
	case strings.HasPrefix(raw, "dword:"):
		return "REG_DWORD", "0x" + raw[6:]
	case strings.HasPrefix(raw, "hex(7):"):
		var u []rune
		var bs []byte
		for _, h := range strings.Split(raw[7:], ",") {
			if n, err := strconv.ParseUint(strings.TrimSpace(h), 16, 8); err == nil {
				bs = append(bs, byte(n))
			}
		}
		for i := 0; i+1 < len(bs); i += 2 {
			u = append(u, rune(uint16(bs[i])|uint16(bs[i+1])<<8))
		}
		return "REG_MULTI_SZ", multi(string(u))
	}
	return "OTHER", raw
}

func multi(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\x00"), "\x00", "|")
}

// unescape undoes Wine's .reg string escapes: \\ \" \n \r \t \0 \xHHHH.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		n := s[i+1]
		switch n {
		case '\\', '"':
			b.WriteByte(n)
			i++
		case 'n':
			b.WriteByte('\n')
			i++
		case 'r':
			b.WriteByte('\r')
			i++
		case 't':
			b.WriteByte('\t')
			i++
		case '0':
			b.WriteByte(0)
			i++
		case 'x':
			j := i + 2
			for j < len(s) && j < i+6 && isHex(s[j]) {
				j++
			}
			if j == i+2 {
				b.WriteByte(c)
				continue
			}
			v, _ := strconv.ParseUint(s[i+2:j], 16, 32)
			b.WriteRune(rune(v))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
