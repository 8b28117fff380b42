package safefile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrSameFile is returned by Write when the destination is the same file as
// one of the inputs the caller named and overwriting was not allowed.
var ErrSameFile = errors.New("output is the same file as the input")

// Write creates dst atomically with the bytes fill writes, without flushing
// them to stable storage (see the package documentation). A new file gets
// mode 0o666 less the umask; an existing destination keeps its mode.
func Write(dst string, fill func(w io.Writer) error) error {
	return WriteWith(dst, false, fill)
}

// WriteSync is Write, and also flushes the new file to stable storage
// before the rename and the folder after it.
func WriteSync(dst string, fill func(w io.Writer) error) error {
	return WriteWith(dst, true, fill)
}

// syncFile is (*os.File).Sync; tests replace it to see which files are
// flushed.
var syncFile = (*os.File).Sync

// WriteWith is WriteSync when sync is set and Write otherwise, for callers
// whose choice is a flag.
func WriteWith(dst string, sync bool, fill func(w io.Writer) error) error {
	return WriteFile(dst, &Options{Sync: sync}, fill)
}

// Options controls WriteFile. The zero value is Write's behaviour.
type Options struct {
	// Sync flushes the new file to stable storage before the rename and
	// the folder after it (WriteSync).
	Sync bool

	// FollowSymlink writes to the file a symbolic link at dst points to
	// (through any chain of links), replacing that file and keeping the
	// link, as cp and "sed -i --follow-symlinks" do; the temporary file
	// is made beside the target. A link to nothing is refused. Without
	// it a link at dst is itself replaced by the new file.
	FollowSymlink bool

	// Check, when not nil, is given the complete temporary file before it
	// is renamed into place. An error from it stops the write: the
	// destination stays as it was and the temporary file is removed. The
	// package writers use it to read their output back.
	Check func(r io.ReaderAt, size int64) error
}

// ErrCheck is wrapped by the error WriteFile returns when Options.Check
// refused the new file.
var ErrCheck = errors.New("the new file does not read back")

// WriteFile creates dst atomically with the bytes fill writes: into a
// temporary file beside it (".NAME.tmp-*", or ".msikit-tmp-*" when NAME
// is too long for that), checked (Options.Check) and renamed into
// place. A new file gets mode 0o666 less the umask (as with cp, tar or a
// shell redirection); an existing destination keeps its mode. A
// destination that is a folder, a named pipe, a device or a socket (after
// symbolic links, with FollowSymlink) is refused before anything is
// written (NotRegularTargetError), and so is the regular file the
// process's standard input, output or error is open on
// (StdioTargetError).
//
// Errors name dst, never the temporary file: the temporary name means
// nothing to the caller's user, so every error (from the file system or
// from fill writing to the temporary file) is reported as being about dst.
func WriteFile(dst string, o *Options, fill func(w io.Writer) error) (err error) {
	if o == nil {
		o = &Options{}
	}
	name := dst // what errors call it: the caller's name, even for a link
	if o.FollowSymlink {
		if dst, err = resolveLink(dst); err != nil {
			return err
		}
	}
	// A new file gets 0o666 less the umask, a replaced one its old mode
	// (from the start, so that the new contents of a private file are
	// never readable by others; set exactly once written, as the umask
	// may have cleared some of its bits).
	mode, replaces := os.FileMode(0o666), false
	if fi, statErr := os.Stat(dst); statErr == nil {
		if fi.IsDir() {
			return &fs.PathError{Op: "create", Path: name, Err: errIsDir}
		}
		// A named pipe, a device or a socket is refused: the rename
		// would replace it with a regular file (for /dev/null, run as
		// root, the system's), where its user expects the bytes to be
		// written to it. Without FollowSymlink a link at dst is
		// replaced, whatever it points to.
		if !fi.Mode().IsRegular() && (o.FollowSymlink || !isLink(dst)) {
			return &fs.PathError{Op: "create", Path: name, Err: NotRegularTargetError{fi.Mode()}}
		}
		// A regular file that is the process's standard input, output
		// or error (-o /dev/stdout with standard output redirected to
		// a file, or -o naming the file it is redirected to) is
		// refused: the rename would replace the file the shell opened,
		// losing what ">>" appends to, while what the process writes
		// to the descriptor goes to the old, unlinked file.
		if fi.Mode().IsRegular() {
			if std := stdioOf(fi); std != "" {
				return &fs.PathError{Op: "create", Path: name, Err: StdioTargetError{Stream: std}}
			}
		}
		mode, replaces = fi.Mode().Perm(), true
	}
	f, err := createTemp(dst, "", mode)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			pe.Path = name
		}
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			var pe *fs.PathError
			if strings.Contains(err.Error(), tmp) || errors.As(err, &pe) && pe.Path == tmp {
				err = &tempNameError{err: err, tmp: tmp, dst: name}
			}
		}
	}()
	if err = fill(f); err != nil {
		return err
	}
	if o.Check != nil {
		fi, serr := f.Stat()
		if serr != nil {
			return serr
		}
		if cerr := o.Check(f, fi.Size()); cerr != nil {
			return fmt.Errorf("%s: %w: %w", name, ErrCheck, cerr)
		}
	}
	if o.Sync {
		if err = syncFile(f); err != nil {
			return fmt.Errorf("sync %s: %w", tmp, err)
		}
	}
	if replaces {
		if err = f.Chmod(mode); err != nil {
			return err
		}
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, dst); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			err = &fs.PathError{Op: "rename", Path: name, Err: le.Err}
			if fi, serr := os.Stat(dst); serr == nil && fi.IsDir() {
				err = &fs.PathError{Op: "create", Path: name, Err: errIsDir}
			}
		}
		return err
	}
	if !o.Sync {
		return nil
	}
	// Make the rename durable; a failure here is not worth failing for.
	if d, derr := os.Open(filepath.Dir(dst)); derr == nil {
		syncFile(d)
		d.Close()
	}
	return nil
}

// isLink reports whether name is a symbolic link.
func isLink(name string) bool {
	fi, err := os.Lstat(name)
	return err == nil && fi.Mode()&fs.ModeSymlink != 0
}

// A NotRegularTargetError is WriteFile's refusal of a destination that is
// not a regular file (after symbolic links, with FollowSymlink): a named
// pipe, a device or a socket. The new file is renamed into place, so it
// would replace the pipe or device rather than be written to it; Mode is
// the destination's type. It matches fs.ErrInvalid.
type NotRegularTargetError struct{ Mode fs.FileMode }

// Error says what the destination is and why it is not written.
func (e NotRegularTargetError) Error() string {
	return "is a " + typeName(e.Mode) + ", not a regular file: the output is a new file renamed into place, which would replace it, not write to it"
}

// Is makes a NotRegularTargetError match fs.ErrInvalid.
func (e NotRegularTargetError) Is(target error) bool { return target == fs.ErrInvalid }

// A StdioTargetError is WriteFile's refusal of a destination that is the
// file the process's standard input, output or error is open on (Stream
// is "standard output", say), as -o /dev/stdout names it when standard
// output is redirected to a file. The new file is renamed into place, so
// it would replace that file rather than write to the open descriptor:
// a file appended to (">>") would lose its contents, and what the
// process writes to the descriptor would go to the replaced file. It
// matches fs.ErrInvalid.
type StdioTargetError struct{ Stream string }

// Error says which stream the destination is and what to do instead.
func (e StdioTargetError) Error() string {
	return "is the file " + e.Stream + " is open on: the output is a new file renamed into place, which would replace that file, not write to " + e.Stream + "; name the output file itself, not /dev/stdout, and do not redirect " + e.Stream + " to it"
}

// Is makes a StdioTargetError match fs.ErrInvalid.
func (e StdioTargetError) Is(target error) bool { return target == fs.ErrInvalid }

// stdio is what stdioOf compares a destination with: the process's
// standard streams, by name.
var stdio = []struct {
	name string
	f    **os.File
}{{"standard input", &os.Stdin}, {"standard output", &os.Stdout}, {"standard error", &os.Stderr}}

// stdioOf returns the name of the standard stream open on the file fi
// describes, or "".
func stdioOf(fi fs.FileInfo) string {
	for _, s := range stdio {
		if *s.f == nil {
			continue
		}
		if sfi, err := (*s.f).Stat(); err == nil && sfi.Mode().IsRegular() && os.SameFile(fi, sfi) {
			return s.name
		}
	}
	return ""
}

// errIsDir is the reason given when dst is an existing folder, which
// rename(2) words as "file exists" or "is a directory" depending on the
// system.
var errIsDir = errors.New("is a directory")

// A tempNameError is an error of WriteWith that arose while the content
// was in the temporary file. Its message, and any *fs.PathError found in
// it with errors.As, name the destination instead of the temporary file;
// Unwrap gives the original error, so errors.Is still matches the cause
// (syscall.ENOSPC, say).
type tempNameError struct {
	err      error
	tmp, dst string
}

func (e *tempNameError) Error() string {
	return strings.ReplaceAll(e.err.Error(), e.tmp, e.dst)
}

func (e *tempNameError) Unwrap() error { return e.err }

// As makes errors.As(err, &pathErr) see the destination's path when the
// underlying *fs.PathError names the temporary file.
func (e *tempNameError) As(target any) bool {
	t, ok := target.(**fs.PathError)
	if !ok {
		return false
	}
	var pe *fs.PathError
	if !errors.As(e.err, &pe) {
		return false
	}
	if pe.Path == e.tmp {
		pe = &fs.PathError{Op: pe.Op, Path: e.dst, Err: pe.Err}
	}
	*t = pe
	return true
}

// NameAs returns err told about dst instead of the temporary file tmp
// (made with CreateTemp for dst): its message, and any *fs.PathError
// found in it with errors.As, name dst; errors.Is still matches the
// cause. A nil err stays nil.
func NameAs(err error, tmp, dst string) error {
	if err == nil {
		return nil
	}
	return &tempNameError{err: err, tmp: tmp, dst: dst}
}

// resolveLink returns the file a chain of symbolic links at name ends at,
// or name itself when it is not a link (or does not exist).
func resolveLink(name string) (string, error) {
	orig := name
	for hops := 0; ; hops++ {
		fi, err := os.Lstat(name)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return name, nil
		}
		if hops == 40 {
			return "", &fs.PathError{Op: "resolve", Path: name, Err: errors.New("too many levels of symbolic links")}
		}
		target, err := os.Readlink(name)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(name), target)
		}
		if _, err := os.Lstat(target); errors.Is(err, fs.ErrNotExist) {
			// A link the kernel resolves to no path: /dev/stdout, through
			// /proc/self/fd/1, to "pipe:[1234]" or "socket:[1234]".
			if fi, err := os.Stat(orig); err == nil && !fi.Mode().IsRegular() {
				return "", &fs.PathError{Op: "create", Path: orig, Err: NotRegularTargetError{fi.Mode()}}
			}
			return "", &fs.PathError{Op: "write", Path: orig, Err: errors.New("is a symbolic link to a missing file")}
		}
		name = target
	}
}

// CheckDistinct returns ErrSameFile (wrapped with the path) if out names the
// same file as in, unless inPlace is set. A missing out is always distinct.
func CheckDistinct(in, out string, inPlace bool) error {
	if !inPlace && Same(in, out) {
		return fmt.Errorf("%s: %w", out, ErrSameFile)
	}
	return nil
}

// Same reports whether a and b name the same existing file.
func Same(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(fa, fb)
}

// tempPrefix is the start of the name of a temporary file or folder that
// becomes base: "." + base + ".tmp-" + tag, or ".msikit-tmp-" + tag when
// that, with the random part after it, would be longer than a name may be
// (255 bytes on most file systems), so that a destination whose name is
// valid can always be written.
func tempPrefix(base, tag string) string {
	const maxName, random = 255, 20
	if p := "." + base + ".tmp-" + tag; len(p)+random <= maxName {
		return p
	}
	return ".msikit-tmp-" + tag
}

// CreateTemp creates a new hidden file beside dst, named after it
// (".NAME.tmp-" + tag + random, or ".msikit-tmp-" + tag + random when
// NAME is too long for that), for a caller that makes dst in more than
// one step. The file is open for reading and writing and has mode 0o666
// less the umask, as a new file made by cp or tar has (os.CreateTemp
// would make it 0o600, and the file becomes the destination). Its errors
// name dst.
func CreateTemp(dst, tag string) (*os.File, error) {
	return createTemp(dst, tag, 0o666)
}

// createTemp is CreateTemp with the mode perm (less the umask).
func createTemp(dst, tag string, perm os.FileMode) (*os.File, error) {
	dir, prefix := filepath.Dir(dst), tempPrefix(filepath.Base(dst), tag)
	for try := 0; ; try++ {
		f, err := os.OpenFile(filepath.Join(dir, prefix+randomSuffix()), os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrExist) || try == 100 {
			return nil, aboutDst("create", dst, err)
		}
	}
}

// randomSuffix is the random part of a temporary name: 12 hexadecimal
// digits.
func randomSuffix() string {
	var r [6]byte
	rand.Read(r[:]) // never fails (crypto/rand)
	return hex.EncodeToString(r[:])
}

// aboutDst is a failure to make the temporary file or folder for dst,
// told about dst (as op): the temporary name means nothing to the
// caller's user.
func aboutDst(op, dst string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: op, Path: dst, Err: pe.Err}
	}
	return err
}
