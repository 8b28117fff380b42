package msilog

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// DefaultMaxLineLen is the longest line Explain looks at, in bytes of
// UTF-8; the rest of a longer line is skipped (and counted).
const DefaultMaxLineLen = 64 << 10

// Encodings a log can be in.
const (
	EncodingUTF16LE = "UTF-16LE"
	EncodingUTF8    = "UTF-8"
	EncodingANSI    = "ANSI (Windows-1252)"
)

// lineReader yields a log's lines as UTF-8, one at a time, in memory
// bounded by the maximum line length whatever the input.
type lineReader struct {
	br       *bufio.Reader
	max      int
	encoding string
	ansi     bool // decode lines that are not UTF-8 as Windows-1252
	line     int
	cut      int // lines longer than max
	buf      []byte
	dec      []byte // reused for Windows-1252 lines
}

// newLineReader sniffs the encoding: a UTF-16LE byte-order mark, or the
// NUL high bytes of UTF-16LE text without one; a UTF-8 byte-order mark;
// otherwise the process's ANSI code page, taken as Windows-1252 for lines
// that are not valid UTF-8 (msiexec writes ANSI logs unless asked for
// Unicode ones).
func newLineReader(r io.Reader, max int) (*lineReader, error) {
	br := bufio.NewReaderSize(r, 4096)
	head, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	lr := &lineReader{max: max}
	var src io.Reader = br
	switch {
	case len(head) >= 2 && head[0] == 0xFF && head[1] == 0xFE:
		lr.encoding = EncodingUTF16LE
		br.Discard(2)
		src = &utf16Reader{r: br}
	case len(head) == 4 && head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0:
		lr.encoding = EncodingUTF16LE
		src = &utf16Reader{r: br}
	case len(head) >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF:
		lr.encoding = EncodingUTF8
		br.Discard(3)
	default:
		lr.encoding = EncodingANSI
		lr.ansi = true
	}
	// The buffer holds one line at most: a longer one is cut there.
	lr.br = bufio.NewReaderSize(src, max+1)
	return lr, nil
}

// next returns the next line without its line ending, valid until the
// following call, or io.EOF.
func (lr *lineReader) next() ([]byte, error) {
	b, err := lr.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// A line longer than the buffer: keep its start, skip the rest.
		lr.buf = append(lr.buf[:0], b...)
		lr.cut++
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = lr.br.ReadSlice('\n')
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		b = lr.buf
		if len(b) > lr.max {
			b = b[:lr.max]
		}
		err = nil
	} else if err != nil {
		if !errors.Is(err, io.EOF) || len(b) == 0 {
			return nil, err
		}
		err = nil
	}
	lr.line++
	b = bytes.TrimRight(b, "\r\n")
	if lr.ansi && !utf8.Valid(b) {
		lr.dec = lr.dec[:0]
		for _, c := range b {
			if c < utf8.RuneSelf {
				lr.dec = append(lr.dec, c)
			} else {
				lr.dec = utf8.AppendRune(lr.dec, charmap.Windows1252.DecodeByte(c))
			}
		}
		b = lr.dec
	}
	return b, nil
}

// ScanLines calls fn with each line of r (numbered from 1, without its
// line ending, as UTF-8, valid only during the call), reading r as
// Explain does: UTF-16LE with or without a byte-order mark, UTF-8, or
// ANSI; lines longer than maxLen bytes (0 means DefaultMaxLineLen) are
// cut. It returns the encoding it found, and fn's error or a read error.
func ScanLines(r io.Reader, maxLen int, fn func(n int, line []byte) error) (encoding string, err error) {
	if maxLen <= 0 {
		maxLen = DefaultMaxLineLen
	}
	lr, err := newLineReader(r, maxLen)
	if err != nil {
		return "", err
	}
	for {
		line, err := lr.next()
		if err == io.EOF {
			return lr.encoding, nil
		}
		if err != nil {
			return lr.encoding, err
		}
		if err := fn(lr.line, line); err != nil {
			return lr.encoding, err
		}
	}
}

// utf16Reader decodes UTF-16LE into UTF-8 as it is read, in a fixed
// buffer: an unpaired surrogate becomes U+FFFD, an odd last byte is
// dropped.
type utf16Reader struct {
	r    io.Reader
	in   [32 << 10]byte
	n, i int    // bytes in in, and the next one to decode
	out  []byte // decoded, not yet returned
	hi   rune   // a high surrogate waiting for its pair, or 0
	err  error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			if u.hi != 0 {
				u.hi = 0
				u.out = utf8.AppendRune(u.out[:0], utf8.RuneError)
				break
			}
			return 0, u.err
		}
		// Keep an odd byte for the next read.
		copy(u.in[:], u.in[u.i:u.n])
		u.n -= u.i
		u.i = 0
		m, err := u.r.Read(u.in[u.n:])
		u.n += m
		if err != nil {
			u.err = err
		}
		u.decode()
	}
	k := copy(p, u.out)
	u.out = u.out[k:]
	return k, nil
}

// decode turns the whole code units of in into UTF-8 in out.
func (u *utf16Reader) decode() {
	out := u.out[:0]
	if cap(out) < 3*len(u.in)/2+8 {
		out = make([]byte, 0, 3*len(u.in)/2+8)
	}
	for ; u.i+1 < u.n; u.i += 2 {
		c := rune(u.in[u.i]) | rune(u.in[u.i+1])<<8
		switch {
		case u.hi != 0 && c >= 0xDC00 && c < 0xE000:
			out = utf8.AppendRune(out, 0x10000+(u.hi-0xD800)<<10+(c-0xDC00))
			u.hi = 0
			continue
		case u.hi != 0:
			out = utf8.AppendRune(out, utf8.RuneError)
			u.hi = 0
		}
		switch {
		case c < 0x80:
			out = append(out, byte(c))
		case c >= 0xD800 && c < 0xDC00:
			u.hi = c
		case c >= 0xDC00 && c < 0xE000:
			out = utf8.AppendRune(out, utf8.RuneError)
		default:
			out = utf8.AppendRune(out, c)
		}
	}
	u.out = out
}
