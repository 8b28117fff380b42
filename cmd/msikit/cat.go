package main

import (
	"fmt"
	"io"

	flag "github.com/spf13/pflag"
)

var cmdCat = &Command{
	Name:      "cat",
	UsageLine: "msikit cat FILE STREAM",
	Short:     "write one stream's bytes to standard output",
	Long: `Cat writes the bytes of one stream to standard output. STREAM is a
decoded stream name as "msikit streams" prints it: "Binary.Icon",
"product.cab", or "\x05SummaryInformation" (the escapes \xNN and \\ are
understood; a name that exists literally wins).`,
	Example: `	msikit cat product.msi Binary.Banner > banner.bmp
	msikit cat product.msi '\x05SummaryInformation' | xxd | head`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error {
			if len(args) != 2 {
				return usagef("want FILE and STREAM")
			}
			db, err := openMSI(env, args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			name := args[1]
			found := false
			for _, s := range db.Streams() {
				if s.Name == name {
					found = true
					break
				}
			}
			if !found {
				if u, ok := unescapeName(name); ok {
					name = u
				}
			}
			st, err := db.OpenStream(name)
			if err != nil {
				return fmt.Errorf("%s: no stream %q (see msikit streams)", args[0], args[1])
			}
			if _, err := io.Copy(env.Stdout, io.NewSectionReader(st, 0, st.Size())); err != nil {
				return fmt.Errorf("%s: stream %q: %w", args[0], args[1], err)
			}
			return nil
		}
	},
}
