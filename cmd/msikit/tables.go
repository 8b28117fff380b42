package main

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/msi"
)

var cmdTables = &Command{
	Name:      "tables",
	UsageLine: "msikit tables FILE [-l]",
	Short:     "list a database's tables",
	Long: `Tables prints the names of the database's tables, one per line, in the
order of the _Tables table (the order msiinfo tables uses, without its two
pseudo-tables _SummaryInformation and _ForceCodepage, which export accepts).

With -l (--long) each line also gives the row count, the columns with their
IDT types, and the primary key, and every table is decoded: a table that
fails to decode is shown with its error and tables exits with status 1.
For a transform (.mst) the names are the tables it changes.`,
	Example: `	msikit tables product.msi
	msikit tables -l product.msi`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		long := fs.BoolP("long", "l", false, "also show row counts, columns and keys")
		return func(env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one FILE")
			}
			db, err := openMSI(env, args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			if !*long {
				for _, name := range db.TableNames() {
					fmt.Fprintln(env.Stdout, escapeName(name))
				}
				return nil
			}
			if db.Kind() == msi.PackageTransform {
				return fmt.Errorf("%s: -l needs a database; a transform holds change records", args[0])
			}
			// Aligned as text/tabwriter aligned them, the tables
			// looked at twice (widths, then lines) instead of their
			// lines held: tabwriter held 360,000 lines of tables that
			// _Columns does not describe in 226 MiB.
			names := db.TableNames()
			var firstErr error
			// line gives a table's cells, or its error (written after
			// "error: " in the ROWS column, then an empty KEY): the
			// error is made each time it is asked for, and a text made
			// for each of 360,000 failing tables, twice, is garbage the
			// collector lets the heap double for.
			line := func(name string) (cells [3]string, cols, fail string) {
				t, err := db.Table(name)
				if err != nil {
					if firstErr == nil {
						firstErr = fmt.Errorf("%s: %w", args[0], err)
					}
					return [3]string{escapeName(name)}, "", strings.TrimPrefix(errorLine(err), "table "+name+": ")
				}
				var cs, keys []string
				for _, c := range t.Columns() {
					cs = append(cs, escapeName(c.Name)+":"+c.IDTType())
				}
				for _, c := range t.KeyColumns() {
					keys = append(keys, escapeName(c.Name))
				}
				return [3]string{escapeName(name), strconv.Itoa(t.Len()), strings.Join(keys, ",")}, strings.Join(cs, " "), ""
			}
			const errorCell = "error: "
			header := [3]string{"TABLE", "ROWS", "KEY"}
			widths := make([]int, 3)
			fitWidths(widths, header[:])
			for _, name := range names {
				cells, _, fail := line(name)
				fitWidths(widths, cells[:])
				if w := len(errorCell) + utf8.RuneCountInString(fail); fail != "" && w <= maxAligned {
					widths[1] = max(widths[1], w)
				}
			}
			firstErr = nil
			bw := bufio.NewWriter(env.Stdout)
			writeAligned(bw, widths, header[:], "COLUMNS")
			for _, name := range names {
				cells, cols, fail := line(name)
				if fail == "" {
					writeAligned(bw, widths, cells[:], cols)
					continue
				}
				// writeAligned of {name, "error: "+fail, ""} and "",
				// in pieces.
				bw.WriteString(cells[0])
				writeSpaces(bw, padding(widths[0], utf8.RuneCountInString(cells[0])))
				bw.WriteString(errorCell)
				bw.WriteString(fail)
				writeSpaces(bw, padding(widths[1], len(errorCell)+utf8.RuneCountInString(fail)))
				writeSpaces(bw, padding(widths[2], 0))
				bw.WriteByte('\n')
			}
			if err := bw.Flush(); err != nil {
				return err
			}
			return firstErr
		}
	},
}

// fitWidths widens widths[i] to the width of cells[i], counted in runes
// as text/tabwriter counts them; a cell wider than maxAligned widens
// nothing (writeAligned writes it followed by two spaces).
func fitWidths(widths []int, cells []string) {
	for i, c := range cells {
		if w := utf8.RuneCountInString(c); w <= maxAligned {
			widths[i] = max(widths[i], w)
		}
	}
}

// maxAligned is the widest cell that widens its column in the aligned
// listings (tables -l, info, streams, cfb ls). Real names and lists are
// far narrower; a wider one is written as it is, followed by two spaces,
// so that one long name (a 60,000-character key column among 50,000
// empty tables) does not pad every other line to its width (3 GB of
// tables -l from a 1 MB package).
const maxAligned = 256

// padding is the number of spaces after a cell of width w in a column of
// width: what tabwriter adds (two past the widest), at least two.
func padding(width, w int) int {
	return max(width+2-w, 2)
}

// writeAligned writes a line of cells, each padded with spaces to its
// column's width (fitWidths) and two more, then last: what
// tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) writes for a line of
// tab-terminated cells among lines that all have as many, without holding
// the lines until the widths are known.
func writeAligned(w *bufio.Writer, widths []int, cells []string, last string) {
	for i, c := range cells {
		w.WriteString(c)
		writeSpaces(w, padding(widths[i], utf8.RuneCountInString(c)))
	}
	w.WriteString(last)
	w.WriteByte('\n')
}

// writeSpaces writes n spaces.
func writeSpaces(w *bufio.Writer, n int) {
	for ; n > 0; n-- {
		w.WriteByte(' ')
	}
}
