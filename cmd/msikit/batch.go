package main

import (
	"bufio"
	"fmt"
	"io"
)

// forEachOrdered runs work(i) for each i in [0, n), up to jobs at once,
// and hands each result to emit in the order of i, on the calling
// goroutine, as soon as it and every earlier one are done.
//
// A batch's results are written as they come instead of being held until
// the last package is done. A result counts against jobs until it has
// been emitted, so no more than jobs results are held at once, running or
// done and waiting for an earlier one: memory follows jobs, not n. (A
// folder of six links to one package with a 55 MB report took 374-389
// MiB in rewrite --dry-run --jobs 1 when every result was held to the
// end, 186-190 MiB since.)
//
// stop, when not nil, is asked before each work starts; once it returns
// an error no more work starts, and forEachOrdered emits what was
// started and returns that error.
func forEachOrdered[R any](n, jobs int, stop func() error, work func(i int) R, emit func(i int, r R)) error {
	if jobs < 1 {
		jobs = 1
	}
	// order carries, in the order of i, the channel each result arrives
	// on; a slot is taken before a package starts and given back once its
	// result has been emitted.
	order := make(chan chan R, jobs)
	slots := make(chan struct{}, jobs)
	var stopped error // written before order is closed
	go func() {
		defer close(order)
		for i := 0; i < n; i++ {
			slots <- struct{}{}
			if stop != nil {
				if stopped = stop(); stopped != nil {
					return
				}
			}
			ch := make(chan R, 1)
			order <- ch
			go func() { ch <- work(i) }()
		}
	}()
	i := 0
	for ch := range order {
		emit(i, <-ch)
		i++
		<-slots
	}
	return stopped
}

// A jsonBatch writes a batch command's JSON report a package at a time,
// as json.Encoder with SetIndent("", "  ") writes a summary struct whose
// first field is the list "packages" and whose other fields are counts:
// each element written (by elem, at the list's prefix) and flushed as it
// is added, the counts at the end.
type jsonBatch[T any] struct {
	bw   *bufio.Writer
	list *jsonList
	elem func(w *bufio.Writer, prefix string, v T) error
	err  error // the first error, after which nothing more is written
}

func newJSONBatch[T any](w io.Writer, elem func(w *bufio.Writer, prefix string, v T) error) *jsonBatch[T] {
	bw := bufio.NewWriter(w)
	bw.WriteString("{\n  \"packages\": ")
	return &jsonBatch[T]{bw: bw, list: startJSONList(bw, "  "), elem: elem}
}

// add writes v as the next element of the list.
func (j *jsonBatch[T]) add(v T) {
	if j.err == nil {
		if j.err = j.elem(j.bw, j.list.next(), v); j.err == nil {
			j.err = j.bw.Flush()
		}
	}
}

// A jsonCount is a count field of a batch's JSON report.
type jsonCount struct {
	name string
	n    int
}

// end ends the list, writes the counts and flushes; it returns the
// first error.
func (j *jsonBatch[T]) end(counts ...jsonCount) error {
	if j.err != nil {
		return j.err
	}
	if err := j.list.end(); err != nil {
		return err
	}
	for _, c := range counts {
		fmt.Fprintf(j.bw, ",\n  %q: %d", c.name, c.n)
	}
	j.bw.WriteString("\n}\n")
	return j.bw.Flush()
}
