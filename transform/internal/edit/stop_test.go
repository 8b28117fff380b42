package edit

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestStop: a Stop looks at its context every stopEvery ticks (and at
// each Stopped), stays stopped, and says why with an error matching the
// context's Err and its cause; a nil Stop, or one without a context or
// with one that is never done, never stops.
func TestStop(t *testing.T) {
	cause := errors.New("the caller's reason")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	s := NewStop(ctx, "class-to-registry")
	for i := 1; i < stopEvery; i++ {
		if s.Tick() {
			t.Fatalf("Tick %d stopped; want the context looked at every %d ticks", i, stopEvery)
		}
	}
	if !s.Tick() {
		t.Fatalf("Tick %d did not stop with the context done", stopEvery)
	}
	if !s.Tick() || !s.Stopped() {
		t.Error("a stopped Stop went on")
	}
	err := s.Err()
	if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
		t.Errorf("Err() = %v, want one matching context.Canceled and the cause", err)
	}
	if got, want := err.Error(), "transform: class-to-registry: stopped: the caller's reason (context canceled)"; got != want {
		t.Errorf("Err() = %q, want %q", got, want)
	}

	past, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	if s := NewStop(past, "audit"); !s.Stopped() || !errors.Is(s.Err(), context.DeadlineExceeded) {
		t.Errorf("past deadline: Stopped, Err = %v; want context.DeadlineExceeded", s.Err())
	}

	var nilStop *Stop
	var unset context.Context // an options struct's Context left unset
	for _, s := range []*Stop{nilStop, NewStop(unset, "leaf-features"), NewStop(context.Background(), "leaf-features")} {
		for range 2 * stopEvery {
			if s.Tick() {
				t.Fatal("a Stop that cannot stop stopped")
			}
		}
		if s.Stopped() || s.Err() != nil {
			t.Errorf("a Stop that cannot stop: Stopped, Err = %v", s.Err())
		}
	}
}
