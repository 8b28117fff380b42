package validate

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/msikit/msikit/internal/safefile"
)

// A spill holds the sorted runs of one rule's findings that did not fit
// in memory (spillBytes), in one temporary file, and merges them back in
// order. It is reused from rule to rule; close removes the file.
type spill struct {
	f    *safefile.Scratch
	w    *bufio.Writer
	end  int64      // bytes written
	runs [][2]int64 // the runs of the running rule: start and end offsets
	buf  []byte
}

// write appends one run: fs, sorted and without identical neighbours.
func (s *spill) write(fs []Finding) error {
	if s.f == nil {
		f, err := safefile.NewScratch("msikit-validate-*")
		if err != nil {
			return fmt.Errorf("validate: spilling findings: %w", err)
		}
		s.f, s.w = f, bufio.NewWriterSize(f, 64<<10)
	}
	start := s.end
	for i := range fs {
		b := encodeFinding(s.buf[:0], &fs[i])
		s.buf = b
		if _, err := s.w.Write(b); err != nil {
			return fmt.Errorf("validate: spilling findings: %w", err)
		}
		s.end += int64(len(b))
	}
	s.runs = append(s.runs, [2]int64{start, s.end})
	return nil
}

// reset forgets the runs, to reuse the file from its start.
func (s *spill) reset() {
	if s.f != nil {
		s.w.Reset(s.f)
		s.f.Seek(0, io.SeekStart)
		s.end = 0
	}
	s.runs = s.runs[:0]
}

// close removes the file (safefile.Scratch: on most systems it has had
// no name since it was made, so a killed process leaves nothing behind).
func (s *spill) close() {
	if s != nil && s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// encodeFinding appends f without its rule (which the run's reader knows):
// severity, Duplicates, table, column, message and key, each text
// length-prefixed.
func encodeFinding(b []byte, f *Finding) []byte {
	b = append(b, byte(f.Severity))
	b = binary.AppendUvarint(b, uint64(f.Duplicates))
	for _, s := range [...]string{f.Table, f.Column, f.Message} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(f.Key)))
	for _, s := range f.Key {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// runReader reads the findings of one run back.
type runReader struct {
	r    *bufio.Reader
	head Finding
	buf  []byte // a text as read, before it is made a string
}

func (rr *runReader) next(rule *ruleEntry) (bool, error) {
	sev, err := rr.r.ReadByte()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	u := func() uint64 {
		if err != nil {
			return 0
		}
		var v uint64
		v, err = binary.ReadUvarint(rr.r)
		return v
	}
	str := func() string {
		n := u()
		if err != nil {
			return ""
		}
		if uint64(cap(rr.buf)) < n {
			rr.buf = make([]byte, n)
		}
		b := rr.buf[:n]
		_, err = io.ReadFull(rr.r, b)
		return string(b) // the one copy a text read back costs
	}
	f := Finding{ICE: rule.ICE, URL: rule.URL, Severity: Severity(sev)}
	f.Duplicates = int(u())
	f.Table, f.Column, f.Message = str(), str(), str()
	if n := u(); n > 0 && err == nil {
		f.Key = make([]string, n)
		for i := range f.Key {
			f.Key[i] = str()
		}
	}
	if err != nil {
		return false, err
	}
	rr.head = f
	return true, nil
}

// runHeap orders the readers by their next finding.
type runHeap []*runReader

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return compareFindings(h[i].head, h[j].head) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// merge gives the findings of the runs to emit in order, identical ones
// (from different runs) once, until emit returns false.
func (s *spill) merge(rule *ruleEntry, emit func(Finding) bool) error {
	fail := func(err error) error { return fmt.Errorf("validate: reading spilled findings back: %w", err) }
	if err := s.w.Flush(); err != nil {
		return fail(err)
	}
	// 32 KiB of buffer a run, less when there are more than 256 runs.
	size := max(4<<10, min(32<<10, (8<<20)/len(s.runs)))
	var h runHeap
	for _, r := range s.runs {
		rr := &runReader{r: bufio.NewReaderSize(io.NewSectionReader(s.f, r[0], r[1]-r[0]), size)}
		ok, err := rr.next(rule)
		if err != nil {
			return fail(err)
		}
		if ok {
			h = append(h, rr)
		}
	}
	heap.Init(&h)
	var pending Finding
	have := false
	for h.Len() > 0 {
		rr := h[0]
		f := rr.head
		ok, err := rr.next(rule)
		if err != nil {
			return fail(err)
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
		if have && same(&pending, &f) {
			pending.Duplicates += 1 + f.Duplicates
			continue
		}
		if have && !emit(pending) {
			return nil
		}
		pending, have = f, true
	}
	if have {
		emit(pending)
	}
	return nil
}
