package safename

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/clip"
)

// Refusals lists the first MaxRefusalsListed errors, makes no error past
// them, and counts every refusal (RefusalCount) whether listed or not.
func TestRefusals(t *testing.T) {
	for _, n := range []int{0, 1, MaxRefusalsListed, MaxRefusalsListed + 1, 10 * MaxRefusalsListed} {
		var r Refusals
		made := 0
		for i := range n {
			r.Add(func() error {
				made++
				return &Error{Name: fmt.Sprint("bad:", i), Reason: "a colon"}
			})
		}
		errs := r.Errors()
		if want := min(n, MaxRefusalsListed); made != want {
			t.Errorf("%d refusals: %d errors made, want %d", n, made, want)
		}
		wantLen := min(n, MaxRefusalsListed)
		if n > MaxRefusalsListed {
			wantLen++
			var o *OmittedError
			if !errors.As(errs[len(errs)-1], &o) || o.N != n-MaxRefusalsListed {
				t.Errorf("%d refusals: last error %v, want %d omitted", n, errs[len(errs)-1], n-MaxRefusalsListed)
			}
		}
		if len(errs) != wantLen {
			t.Fatalf("%d refusals: %d errors, want %d", n, len(errs), wantLen)
		}
		joined := errors.Join(errs...)
		if got := RefusalCount(joined); got != n {
			t.Errorf("%d refusals: RefusalCount = %d", n, got)
		}
		if n > 0 && !errors.Is(joined, ErrUnsafe) {
			t.Errorf("%d refusals: the joined error does not match ErrUnsafe", n)
		}
		for _, e := range errs {
			if !errors.Is(e, ErrUnsafe) {
				t.Errorf("%d refusals: %v does not match ErrUnsafe", n, e)
			}
		}
	}
	if got := RefusalCount(nil); got != 0 {
		t.Errorf("RefusalCount(nil) = %d", got)
	}
}

// Clipped keeps a long refused name clipped, and the error's text and
// match as they were; other errors pass unchanged.
func TestClipped(t *testing.T) {
	long := &Error{Name: strings.Repeat("a:", 40000), Reason: "holds ':'"}
	got := Clipped(long)
	var se *Error
	if !errors.As(got, &se) || len(se.Name) > clip.Max+len("…") {
		t.Fatalf("Clipped kept a name of %d bytes", len(se.Name))
	}
	if got.Error() != long.Error() || !errors.Is(got, ErrUnsafe) {
		t.Errorf("Clipped: %q, want %q matching ErrUnsafe", got, long)
	}
	other := errors.New("other")
	if Clipped(other) != other {
		t.Error("Clipped changed an error that is not an *Error")
	}
}
