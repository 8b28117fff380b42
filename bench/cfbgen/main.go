package main

import (
	"flag"
	"log"
	"os"

	"github.com/msikit/msikit/internal/cfbgen"
)

func main() {
	out := flag.String("o", "", "output file")
	mib := flag.Int("mib", 400, "MiB of big streams (in 100 MiB streams)")
	small := flag.Int("small", 2000, "number of small streams")
	flag.Parse()
	if *out == "" {
		log.Fatal("cfbgen: -o is required")
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := cfbgen.Generate(f, *mib, *small); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
