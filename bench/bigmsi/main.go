package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/msikit/msikit/msi"
)

func main() {
	out := flag.String("o", "big.msi", "output package")
	mib := flag.Int("mib", 420, "size of the big stream in MiB")
	in := flag.String("in", "testdata/sample.msi", "package to start from")
	flag.Parse()
	if err := run(*in, *out, int64(*mib)<<20); err != nil {
		fmt.Fprintln(os.Stderr, "bigmsi:", err)
		os.Exit(1)
	}
}

func run(in, out string, size int64) error {
	data, err := os.CreateTemp("", "bigmsi-*.bin")
	if err != nil {
		return err
	}
	defer os.Remove(data.Name())
	defer data.Close()
	rng := rand.NewChaCha8([32]byte{1})
	if _, err := io.CopyN(data, rng, size); err != nil {
		return err
	}
	db, err := msi.Open(in)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetStream("big.cab", data, size); err != nil {
		return err
	}
	return db.Save(out, nil)
}
