package bucket

import "slices"

// Starts returns where each of n keys' items begin once items are grouped
// by key: key k's are at [start[k], start[k+1]), and start[n] is
// len(items). key must give every item a key in [0, n).
func Starts[T any](items []T, n int, key func(T) int32) []int32 {
	start := make([]int32, n+1)
	for _, x := range items {
		start[key(x)+1]++
	}
	for k := 1; k <= n; k++ {
		start[k] += start[k-1]
	}
	return start
}

// Place puts val(x) for each item x in its key's run, as start (from
// Starts for the same items and key) places them, keeping the items of
// one key in their order. It writes into dst's room when it has enough
// (dst is resized to len(items)), else into a new slice, and returns it.
func Place[T, U any](dst []U, items []T, start []int32, key func(T) int32, val func(T) U) []U {
	// make, not slices.Grow: under the race detector Grow also allocates
	// the len(items) it appends, twice the bytes this needs.
	if cap(dst) < len(items) {
		dst = make([]U, len(items))
	} else {
		dst = dst[:len(items)]
	}
	next := slices.Clone(start[:len(start)-1])
	for _, x := range items {
		k := key(x)
		dst[next[k]] = val(x)
		next[k]++
	}
	return dst
}
