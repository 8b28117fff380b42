package safefile

import (
	"io/fs"
	"os"
)

// OpenRegular opens the file name for reading and returns it with its
// size. Anything but a regular file (after symbolic links) is refused: a
// named pipe, a device, a socket or a folder. The packages, cabinets and
// source files msikit reads are read at offsets, not as a stream, and a
// named pipe would block the open until some other process writes to it:
// OpenRegular opens without waiting (O_NONBLOCK on Unix), so that naming
// one fails at once instead of hanging. The error is an *fs.PathError
// whose Err matches fs.ErrInvalid.
func OpenRegular(name string) (*os.File, int64, error) {
	f, fi, err := openNoWait(name)
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, &fs.PathError{Op: "open", Path: name, Err: NotRegularError{fi.Mode()}}
	}
	return f, fi.Size(), nil
}

// A NotRegularError is OpenRegular's refusal of a file that is not a
// regular file; Mode is its type.
type NotRegularError struct{ Mode fs.FileMode }

// Error says what the file is, with advice for a pipe or a device.
func (e NotRegularError) Error() string {
	what := typeName(e.Mode)
	if what == "folder" {
		return "not a regular file (a folder)"
	}
	return "not a regular file (a " + what + "): it is read at offsets; copy it to a file first"
}

// typeName names the type of a file that is not a regular file: "named
// pipe", "socket", "character device", "device", "folder" or "special
// file".
func typeName(m fs.FileMode) string {
	switch t := m.Type(); {
	case t&fs.ModeNamedPipe != 0:
		return "named pipe"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeCharDevice != 0:
		return "character device"
	case t&fs.ModeDevice != 0:
		return "device"
	case t&fs.ModeDir != 0:
		return "folder"
	}
	return "special file"
}

// Is makes a NotRegularError match fs.ErrInvalid.
func (e NotRegularError) Is(target error) bool { return target == fs.ErrInvalid }
