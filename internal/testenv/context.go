package testenv

import "context"

// DoneAfter is a context whose Err turns to context.Canceled after N
// calls: an interrupt at a point a test chooses, without timing. Calls
// counts the calls of Err so far. Done is never closed, so contexts
// derived from it do not see it end: pass it as it is.
type DoneAfter struct {
	context.Context
	N, Calls int
}

// NewDoneAfter returns a DoneAfter over context.Background.
func NewDoneAfter(n int) *DoneAfter {
	return &DoneAfter{Context: context.Background(), N: n}
}

// Err is nil for the first N calls, then context.Canceled.
func (c *DoneAfter) Err() error {
	c.Calls++
	if c.Calls > c.N {
		return context.Canceled
	}
	return nil
}
