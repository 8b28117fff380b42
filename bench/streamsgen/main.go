package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/msikit/msikit/msi"
)

func main() {
	out := flag.String("o", "streams.msi", "output package")
	in := flag.String("in", "testdata/sample.msi", "package to start from")
	n := flag.Int("n", 100000, "number of Binary rows, each with a stream")
	size := flag.Int("size", 1<<10, "bytes per stream")
	flag.Parse()
	if err := run(*in, *out, *n, *size); err != nil {
		fmt.Fprintln(os.Stderr, "streamsgen:", err)
		os.Exit(1)
	}
}

func run(in, out string, n, size int) error {
	db, err := msi.Open(in)
	if err != nil {
		return err
	}
	defer db.Close()
	bin, err := db.Table("Binary")
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("b%06d", i)
		if err := bin.Insert(msi.StrValue(name), msi.BinaryValue()); err != nil {
			return err
		}
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(i + j*7)
		}
		if err := db.SetStream("Binary."+name, bytes.NewReader(data), int64(size)); err != nil {
			return err
		}
	}
	return db.Save(out, nil)
}
