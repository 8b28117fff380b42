package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/msikit/msikit/internal/extractgen"
)

func main() {
	out := flag.String("o", "many.msi", "output package")
	in := flag.String("in", "testdata/sample.msi", "package to start from")
	files := flag.Int("files", 30000, "number of files (at most 65535: one cabinet)")
	dirs := flag.Int("dirs", 300, "number of folders")
	kib := flag.Int("kib", 2, "size of each file in KiB")
	folders := flag.Int("folders", 1, "number of cabinet folders (independent streams) the files are split into")
	flag.Parse()
	if err := extractgen.Write(*in, *out, *files, *dirs, *kib<<10, *folders); err != nil {
		fmt.Fprintln(os.Stderr, "extractgen:", err)
		os.Exit(1)
	}
}
