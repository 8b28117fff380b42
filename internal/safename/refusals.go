package safename

import (
	"errors"
	"fmt"

	"github.com/msikit/msikit/internal/clip"
)

// MaxRefusalsListed is how many refused names a Refusals lists; it counts
// the rest. A package can name one bad file in a million rows (the same
// binary cell key stored over and over), and a list of an error per row
// grew with them (gigabytes when each held a 64 KB name) and printed as
// many lines.
const MaxRefusalsListed = 100

// Refusals collects the errors of the names an export refuses: the first
// MaxRefusalsListed, and a count of the rest. The zero value is empty.
type Refusals struct {
	list    []error
	omitted int
}

// Add records one refused name, whose error mk makes: called only while
// fewer than MaxRefusalsListed are listed, so that the names past them
// cost a count.
func (r *Refusals) Add(mk func() error) {
	if len(r.list) < MaxRefusalsListed {
		r.list = append(r.list, mk())
		return
	}
	r.omitted++
}

// Errors returns the errors listed, followed by an *OmittedError counting
// the others when there were more than MaxRefusalsListed.
func (r *Refusals) Errors() []error {
	if r.omitted == 0 {
		return r.list
	}
	return append(r.list[:len(r.list):len(r.list)], &OmittedError{N: r.omitted})
}

// OmittedError stands for N refused names not listed one by one.
type OmittedError struct {
	N int
}

// Error returns "N more names refused (not listed)".
func (e *OmittedError) Error() string {
	return fmt.Sprintf("%d more names refused (not listed)", e.N)
}

// Is makes errors.Is(err, ErrUnsafe) true.
func (e *OmittedError) Is(target error) bool { return target == ErrUnsafe }

// RefusalCount returns how many names err refuses: err or each error it
// joins (errors.Join) counts one, an *OmittedError its N; nil counts
// none.
func RefusalCount(err error) int {
	if err == nil {
		return 0
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		n := 0
		for _, e := range j.Unwrap() {
			n += RefusalCount(e)
		}
		return n
	}
	var o *OmittedError
	if errors.As(err, &o) {
		return o.N
	}
	return 1
}

// Clipped returns err, when it is an *Error of a name longer than
// clip.Max, as one holding the name clipped (clip.String), so that the
// refusals kept do not keep the names they refuse whole (a binary cell's
// key can be 64 KB); any other err is returned as it is.
func Clipped(err error) error {
	var se *Error
	if errors.As(err, &se) && len(se.Name) > clip.Max {
		return &Error{Name: clip.String(se.Name), Reason: se.Reason}
	}
	return err
}
