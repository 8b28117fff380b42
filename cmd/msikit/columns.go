package main

import (
	"io"
	"unicode/utf8"
)

// writeColumns writes a table as text/tabwriter does with padding 2 and
// spaces (every cell but a row's last padded to its column's widest cell
// plus two spaces, widths counted in runes), without holding the output
// in memory: each is called twice, first to measure the columns and then
// to write the rows it passes to row, one write per row. Listings of
// every stream of a package use it, where a tabwriter would keep all of
// them (hundreds of bytes per row) until the end. Every row must have the
// same number of cells, and each must pass the same rows both times.
func writeColumns(w io.Writer, each func(row func(cells ...string))) error {
	var widths []int
	each(func(cells ...string) {
		for i, c := range cells[:len(cells)-1] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			if w := utf8.RuneCountInString(c); w <= maxAligned {
				widths[i] = max(widths[i], w)
			}
		}
	})
	var line []byte
	var err error
	each(func(cells ...string) {
		if err != nil {
			return
		}
		line = line[:0]
		for i, c := range cells[:len(cells)-1] {
			line = append(line, c...)
			for n := padding(widths[i], utf8.RuneCountInString(c)); n > 0; n-- {
				line = append(line, ' ')
			}
		}
		line = append(append(line, cells[len(cells)-1]...), '\n')
		_, err = w.Write(line)
	})
	return err
}
