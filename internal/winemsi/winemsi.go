package winemsi

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/internal/wineoracle"
)

//go:embed tool/winemsi.c
var source []byte

// CallTimeout bounds one run of the tool (one Run, so one Script). A call
// takes about 0.2 to 0.7 s with the Wine server up, a second or more when
// it must start.
const CallTimeout = 2 * time.Minute

// serverPersistence is how long the shared prefix's wineserver stays up
// after the last tool process, so that a test's calls find it running.
const serverPersistence = 30 * time.Second

// bootTimeout bounds the one-time wineboot of the shared prefix.
const bootTimeout = 5 * time.Minute

const (
	compiler   = "x86_64-w64-mingw32-gcc"
	compilerPk = "gcc-mingw-w64-x86-64"
)

// cflags are the compiler arguments before the source and output names,
// libs the libraries after them; both are part of the cache key.
var (
	cflags = []string{"-municode", "-O2", "-Wall", "-Wextra", "-Werror"}
	libs   = []string{"-lmsi", "-lole32", "-lshell32", "-luuid"}
)

// Tool is the built winemsi.exe and the Wine prefix it runs in.
type Tool struct {
	// Exe is the path of winemsi.exe in the cache folder.
	Exe string
	// Prefix is the shared Wine prefix (WINEPREFIX) the tool runs in.
	Prefix *wineoracle.Prefix
}

var (
	setupOnce sync.Once
	shared    *Tool
	setupErr  error
)

// New returns the tool, building it and booting its prefix on the first
// call of the test process. It skips t when MinGW or Wine is missing
// (fails it under MSIKIT_REQUIRE_ORACLES=1), and in -short mode as
// testenv.NeedWine does. A failed build or boot fails t.
func New(t testing.TB) *Tool {
	t.Helper()
	gcc := testenv.NeedTool(t, compiler, compilerPk)
	wine := testenv.NeedWine(t)
	setupOnce.Do(func() { shared, setupErr = setup(gcc, wine) })
	if setupErr != nil {
		t.Fatalf("winemsi: %v", setupErr)
	}
	return shared
}

// CacheDir returns the folder holding the built tool and the shared
// prefix: $MSIKIT_WINEMSI_CACHE, or msikit-winemsi in the user's cache
// folder.
func CacheDir() (string, error) {
	if d := os.Getenv("MSIKIT_WINEMSI_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder (set MSIKIT_WINEMSI_CACHE): %w", err)
	}
	return filepath.Join(d, "msikit-winemsi"), nil
}

func setup(gcc, wine string) (*Tool, error) {
	dir, err := CacheDir()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	exe, err := build(gcc, dir)
	if err != nil {
		return nil, err
	}
	p, err := sharedPrefix(wine, dir)
	if err != nil {
		return nil, err
	}
	return &Tool{Exe: exe, Prefix: p}, nil
}

// versionOf returns the first line of "cmd --version".
func versionOf(cmd string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, cmd, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", cmd, err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line), nil
}

// key returns a short hex digest of parts.
func key(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// build compiles the embedded source into dir/winemsi-KEY.exe unless it is
// there already. KEY covers the source, the flags and the compiler
// version. The file appears atomically (written beside, then renamed), so
// concurrent test processes never run a half-written tool.
func build(gcc, dir string) (string, error) {
	ver, err := versionOf(gcc)
	if err != nil {
		return "", err
	}
	exe := filepath.Join(dir, "winemsi-"+key(source, []byte(strings.Join(cflags, " ")), []byte(strings.Join(libs, " ")), []byte(ver))+".exe")
	if _, err := os.Stat(exe); err == nil {
		return exe, nil
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "winemsi.c")
	if err := os.WriteFile(src, source, 0o644); err != nil {
		return "", err
	}
	out := filepath.Join(tmp, "winemsi.exe")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append(append(append([]string(nil), cflags...), "-o", out, src), libs...)
	if msg, err := exec.CommandContext(ctx, gcc, args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("building winemsi.exe: %s %s: %v\n%s", gcc, strings.Join(args, " "), err, msg)
	}
	if err := os.Rename(out, exe); err != nil {
		return "", err
	}
	return exe, nil
}

// readyMark is the file a booted shared prefix holds.
const readyMark = ".msikit-winemsi-ready"

// sharedPrefix returns the prefix dir/prefix-KEY (KEY from the Wine
// version), booting it with wineoracle.Boot the first time. The boot runs
// in a fresh folder that is renamed into place when it is complete, so
// concurrent test processes either share a finished prefix or each boot
// one and all but the first discard theirs. Nothing else writes to the
// prefix: the tool opens databases and never installs.
func sharedPrefix(wine, dir string) (*wineoracle.Prefix, error) {
	ver, err := versionOf(wine)
	if err != nil {
		return nil, err
	}
	final := filepath.Join(dir, "prefix-"+key([]byte(ver)))
	if _, err := os.Stat(filepath.Join(final, readyMark)); err == nil {
		return wineoracle.Attach(wine, final), nil
	}
	tmp, err := os.MkdirTemp(dir, "boot-")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), bootTimeout)
	defer cancel()
	p, err := wineoracle.Boot(ctx, wine, tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := p.Close(); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, readyMark), []byte(ver+"\n"), 0o644); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Stat(filepath.Join(final, readyMark)); serr != nil {
			return nil, fmt.Errorf("installing the booted prefix: %w", err)
		}
	}
	return wineoracle.Attach(wine, final), nil
}

// An Error is an msi.dll (or ole32) call that failed inside the tool.
type Error struct {
	Op   string // the tool operation: open, apply, export, query, ...
	Code uint32 // the Windows error code or HRESULT, e.g. 1624
	Msg  string // msi.dll's extended error record, if any
}

// Error returns the operation, the error code and msi.dll's message.
func (e *Error) Error() string {
	s := fmt.Sprintf("winemsi: %s failed: error %d", e.Op, e.Code)
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Windows error codes the tool reports.
const (
	ErrorOpenFailed             = 110  // ERROR_OPEN_FAILED
	ErrorCallNotImplemented     = 120  // ERROR_CALL_NOT_IMPLEMENTED: Wine's stubs
	ErrorBadQuerySyntax         = 1615 // ERROR_BAD_QUERY_SYNTAX
	ErrorInstallTransformFailed = 1624 // ERROR_INSTALL_TRANSFORM_FAILURE
	ErrorFunctionFailed         = 1627 // ERROR_FUNCTION_FAILED
	ErrorInvalidTable           = 1628 // ERROR_INVALID_TABLE
)

// Run runs s in one tool process and returns what it printed. A failed
// msi.dll call is an *Error; a tool that cannot run or runs out of time
// fails t.
func (w *Tool) Run(t testing.TB, s *Script) (*Output, error) {
	t.Helper()
	out, err := w.RunWithin(t, s, CallTimeout)
	if errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	return out, err
}

// ErrTimeout is the error of a RunWithin that ran out of time.
var ErrTimeout = errors.New("winemsi: timed out")

// RunWithin is Run with a time limit of its own; running out of time is an
// error wrapping ErrTimeout (with the tool's last output), not a failure
// of t: some msi.dll calls deadlock under Wine (ICE38, ICE64 and ICE91, for
// one), and a caller may go on without them.
func (w *Tool) RunWithin(t testing.TB, s *Script, limit time.Duration) (*Output, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := w.Prefix.Persist(ctx, serverPersistence); err != nil {
		t.Fatalf("winemsi: starting the wineserver: %v", err)
	}
	var stdout, stderr []byte
	var err error
	var elapsed time.Duration
	for attempt := 1; ; attempt++ {
		stdout, stderr, elapsed, err = w.runOnce(ctx, t, s)
		// A run that failed before the tool's first line never reached
		// a msi.dll call: Wine did not start it (under load Wine has
		// been seen to fail to start a process: wineboot exiting 53,
		// msiexec exiting 1 with no output). It is made once more.
		if err == nil || ctx.Err() != nil || bytes.HasPrefix(stdout, []byte("start\n")) || attempt > 1 {
			break
		}
		t.Logf("winemsi: %s: %v before the tool started (stderr %q); running it once more", s, err, tail(stderr))
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%w: %s after %v\nstderr:\n%s", ErrTimeout, s, limit, tail(stderr))
	}
	out, perr := parse(stdout)
	if out != nil {
		out.Elapsed = elapsed
	}
	var fe *Error
	if errors.As(perr, &fe) {
		return out, fe
	}
	if perr != nil || err != nil {
		t.Fatalf("winemsi: %s: %v %v\nstdout:\n%s\nstderr:\n%s", s, err, perr, tail(stdout), tail(stderr))
	}
	return out, nil
}

// runOnce runs the tool once for RunWithin, with its output in files.
func (w *Tool) runOnce(ctx context.Context, t testing.TB, s *Script) (stdout, stderr []byte, elapsed time.Duration, err error) {
	t.Helper()
	cmd := w.Prefix.Command(ctx, append([]string{w.Exe}, s.args...)...)
	cmd.Env = append(cmd.Env, "LC_ALL="+localeFor(s.codepage))
	// Output goes to files, not pipes: Wine services started by this run
	// inherit the descriptors and keep pipes open after the tool exits.
	dir := t.TempDir()
	stdoutF, ferr := os.Create(filepath.Join(dir, "stdout"))
	if ferr != nil {
		t.Fatal(ferr)
	}
	defer stdoutF.Close()
	stderrF, ferr := os.Create(filepath.Join(dir, "stderr"))
	if ferr != nil {
		t.Fatal(ferr)
	}
	defer stderrF.Close()
	cmd.Stdout, cmd.Stderr = stdoutF, stderrF
	start := time.Now()
	err = cmd.Run()
	elapsed = time.Since(start)
	stdout, rerr := os.ReadFile(stdoutF.Name())
	if rerr != nil {
		t.Fatal(rerr)
	}
	stderr, _ = os.ReadFile(stderrF.Name())
	return stdout, stderr, elapsed, err
}

// Have32Bit reports whether Wine's 32-bit side (Debian's wine32) is
// installed: the 32-bit DLL custom actions of darice.cub's ICEs run only
// with it, and MsiDoAction hangs without it.
func Have32Bit() bool {
	for _, p := range []string{"/usr/lib/wine/wine", "/usr/lib/i386-linux-gnu/wine/i386-unix/ntdll.so",
		"/usr/lib/i386-linux-gnu/wine/i386-windows/ntdll.dll", "/usr/lib/wine/i386-unix/ntdll.so"} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// tail returns at most the last 4000 bytes of b.
func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}
