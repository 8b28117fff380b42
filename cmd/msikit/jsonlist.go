package main

import "bufio"

// jsonList writes a JSON array an element at a time, laid out as
// json.MarshalIndent lays out an array whose line starts with prefix
// (indenting by two spaces): "[]" when it has no element, else "[", each
// element on a line of its own at prefix plus two spaces, and "]" on a
// line at prefix. The commands' --json documents stream their long lists
// through it rather than marshalling them whole.
type jsonList struct {
	w      *bufio.Writer
	prefix string
	nl     string // a newline and the elements' prefix, built once
	n      int    // elements begun
}

// startJSONList writes the array's "[" to w.
func startJSONList(w *bufio.Writer, prefix string) *jsonList {
	w.WriteByte('[')
	return &jsonList{w: w, prefix: prefix, nl: "\n" + prefix + "  "}
}

// next begins an element: it writes the separator and the element's line
// start, and returns the prefix the element is to be written at.
func (l *jsonList) next() string {
	if l.n > 0 {
		l.w.WriteByte(',')
	}
	l.n++
	l.w.WriteString(l.nl)
	return l.nl[1:]
}

// end writes the array's "]" and returns w's error, if any.
func (l *jsonList) end() error {
	if l.n > 0 {
		l.w.WriteString("\n" + l.prefix)
	}
	_, err := l.w.WriteString("]")
	return err
}
