package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

func main() {
	dir := flag.String("dir", "cells", "folder to write Binary.idt and Binary/ into (created)")
	n := flag.Int("n", 250000, "number of rows, each naming its own cell file")
	size := flag.Int("size", 1, "bytes per cell file")
	flag.Parse()
	if err := run(*dir, *n, *size); err != nil {
		fmt.Fprintln(os.Stderr, "cellsgen:", err)
		os.Exit(1)
	}
}

func run(dir string, n, size int) error {
	cells := filepath.Join(dir, "Binary")
	if err := os.MkdirAll(cells, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "Binary.idt"))
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	w.WriteString("Name\tData\r\ns72\tv0\r\nBinary\tName\r\n")
	data := make([]byte, size)
	for i := range n {
		// Row "b<i>" names the file "<i>" (hexadecimal): 3.1 MB for
		// 250,000 rows.
		name := strconv.FormatInt(int64(i), 16)
		fmt.Fprintf(w, "b%s\t%s\r\n", name, name)
		for j := range data {
			data[j] = byte(i + j*7)
		}
		if err := os.WriteFile(filepath.Join(cells, name), data, 0o644); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
