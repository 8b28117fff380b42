package safename

import (
	"errors"
	"fmt"
	"testing"
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
