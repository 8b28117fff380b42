package edit

import (
	"context"
	"errors"
	"fmt"
)

// stopEvery is how many steps a Stop counts between two looks at its
// context: a step is a row or a loop iteration of a few hundred
// nanoseconds at most, so a done context is seen within a millisecond or
// so, and the look (a channel receive) costs nothing measurable.
const stopEvery = 1024

// A Stop lets a pass's long loops give up once the pass's context is
// done. Tick counts a step and, every stopEvery steps, looks at the
// context; once it is done every Tick and Stopped reports true, and Err
// says why. A nil *Stop, or one made from a nil context or one that is
// never done, never stops.
type Stop struct {
	left int32 // ticks before the next look at the context
	ctx  context.Context
	done <-chan struct{}
	err  error
	pass string
}

// NewStop returns a Stop for ctx; pass names the pass in Err
// ("class-to-registry").
func NewStop(ctx context.Context, pass string) *Stop {
	s := &Stop{left: stopEvery, ctx: ctx, pass: pass}
	if ctx != nil {
		s.done = ctx.Done()
	}
	return s
}

// Tick counts one step and reports whether the pass must stop. It is
// small enough to be inlined in the loops that call it: a decrement and
// a test, the look at the context out of line.
func (s *Stop) Tick() bool {
	if s == nil {
		return false
	}
	s.left--
	if s.left > 0 {
		return false
	}
	return s.look()
}

// look is Tick's look at the context, every stopEvery ticks (every tick
// once stopped). Not inlined, so that Tick is.
//
//go:noinline
func (s *Stop) look() bool {
	if s.Stopped() {
		s.left = 0
		return true
	}
	s.left = stopEvery
	return false
}

// Stopped looks at the context now and reports whether the pass must
// stop.
func (s *Stop) Stopped() bool {
	if s == nil || s.done == nil {
		return false
	}
	if s.err != nil {
		return true
	}
	select {
	case <-s.done:
		s.err = fmt.Errorf("transform: %s: stopped: %w", s.pass, Cause(s.ctx))
		return true
	default:
		return false
	}
}

// Err returns nil while the pass may go on, and once Tick or Stopped has
// reported true an error naming the pass that matches the context's Err
// (context.Canceled or context.DeadlineExceeded) and its cause.
func (s *Stop) Err() error {
	if s == nil {
		return nil
	}
	return s.err
}

// Cause returns why the done context ctx is done: its cause
// (context.Cause), matching ctx.Err() as well, since a cause given to a
// context.CancelCauseFunc need not wrap context.Canceled.
func Cause(ctx context.Context) error {
	err, cause := ctx.Err(), context.Cause(ctx)
	if cause == nil || errors.Is(cause, err) {
		if cause != nil {
			return cause
		}
		return err
	}
	return fmt.Errorf("%w (%w)", cause, err)
}
