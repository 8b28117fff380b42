//go:build unix

package safefile

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWriteFileRefusesSpecial: a destination that is a named pipe, a
// socket or a character device (directly, or through a symbolic link with
// FollowSymlink) is refused before anything is written, with a
// NotRegularTargetError that names dst and what it is: the rename would
// replace it with a regular file (/dev/null, for a root user). It stays
// as it was and no temporary file is left. Without FollowSymlink a link
// to one is replaced, as any link is.
func TestWriteFileRefusesSpecial(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	specials := map[string]string{fifo: "named pipe", sock: "socket"}
	// A copy of /dev/null (1, 3) needs root; then the character device
	// is one this test may lose without harm.
	null := filepath.Join(dir, "null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3); err == nil {
		specials[null] = "character device"
	} else {
		t.Logf("no character device: %v", err)
	}
	fill := func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }
	for target, what := range specials {
		link := target + ".link"
		if err := os.Symlink(filepath.Base(target), link); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			dst    string
			follow bool
		}{{target, false}, {target, true}, {link, true}} {
			err := WriteFile(tt.dst, &Options{FollowSymlink: tt.follow}, fill)
			var ne NotRegularTargetError
			if !errors.As(err, &ne) || !errors.Is(err, fs.ErrInvalid) {
				t.Fatalf("%s (follow %v): got %v, want a NotRegularTargetError", tt.dst, tt.follow, err)
			}
			var pe *fs.PathError
			if !errors.As(err, &pe) || pe.Path != tt.dst || !strings.Contains(err.Error(), "is a "+what+",") {
				t.Errorf("%s: error %q does not name it as a %s", tt.dst, err, what)
			}
			if fi, err := os.Lstat(target); err != nil || fi.Mode().IsRegular() {
				t.Fatalf("%s: replaced by a regular file (%v)", target, err)
			}
		}
		if err := WriteFile(link, nil, fill); err != nil {
			t.Fatalf("%s without FollowSymlink: %v", link, err)
		}
		if b, err := os.ReadFile(link); err != nil || string(b) != "new" {
			t.Errorf("%s: the link was not replaced by the new file (%q, %v)", link, b, err)
		}
	}
	var names []string
	for _, n := range readDir(t, dir) {
		if !strings.HasSuffix(n, ".link") {
			names = append(names, n)
		}
	}
	want := []string{"fifo", "sock"}
	if _, ok := specials[null]; ok {
		want = []string{"fifo", "null", "sock"}
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("folder (-want +got), temporary files left?\n%s", diff)
	}
}

// TestWriteFileMagicLink: a link the kernel resolves to no path, as
// /dev/stdout does through /proc/self/fd/1 when standard output is a pipe
// ("pipe:[1234]"), is refused as the pipe it is, with FollowSymlink,
// rather than as a link to a missing file.
func TestWriteFileMagicLink(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd := filepath.Join("/proc/self/fd", strconv.Itoa(int(w.Fd())))
	if target, err := os.Readlink(fd); err != nil || !strings.HasPrefix(target, "pipe:") {
		t.Skipf("no /proc/self/fd magic links here (%q, %v)", target, err)
	}
	link := filepath.Join(t.TempDir(), "stdout")
	if err := os.Symlink(fd, link); err != nil {
		t.Fatal(err)
	}
	err = WriteFile(link, &Options{FollowSymlink: true}, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err })
	var ne NotRegularTargetError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), link+": is a named pipe") {
		t.Fatalf("got %v, want %s refused as a named pipe", err, link)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced (%v)", err)
	}
}
