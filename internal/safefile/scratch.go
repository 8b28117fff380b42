package safefile

import (
	"os"
	"runtime"
)

// Scratch is a temporary file for data spilled out of memory, made in
// the default temporary directory (os.CreateTemp). Where the system lets
// an open file lose its name (everywhere but Windows) it is removed at
// once, so that nothing is left behind even when the process is killed;
// elsewhere Close removes it.
type Scratch struct {
	*os.File
	named bool // the file still has its name: Close removes it
}

// NewScratch creates a scratch file named after pattern (os.CreateTemp's).
func NewScratch(pattern string) (*Scratch, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, err
	}
	s := &Scratch{File: f, named: true}
	if runtime.GOOS != "windows" && os.Remove(f.Name()) == nil {
		s.named = false
	}
	return s, nil
}

// Close closes the file and, if it still has its name, removes it.
func (s *Scratch) Close() error {
	err := s.File.Close()
	if s.named {
		if rerr := os.Remove(s.File.Name()); err == nil {
			err = rerr
		}
	}
	return err
}
