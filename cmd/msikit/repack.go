package main

import (
	"fmt"

	"github.com/msikit/msikit/msi"
	flag "github.com/spf13/pflag"
)

var cmdRepack = &Command{
	UsageLine: "msikit repack IN -o OUT",
	Short:     "re-encode a database: compact the string pool, drop slack",
	Long: `Repack reads the database IN and writes it to OUT with every table
re-encoded: the string pool is rebuilt with exact reference counts and
without unused strings, rows are stored in the order Windows Installer
requires, and the container is laid out afresh without free sectors. No
table content changes: "msiinfo export" of every table gives the same
output before and after, and every non-table stream and sub-storage is
copied byte for byte (with its CLSID, state bits and times).

The output is written atomically; IN is never modified unless --in-place is
given. A signed package is refused unless --drop-signature is given, since
re-encoding invalidates the signature.

` + durability,
	Example: `	msikit repack product.msi -o product-compact.msi`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		out := fs.StringP("output", "o", "", "write the result to `OUT`")
		inPlace := fs.Bool("in-place", false, "replace IN itself (atomically, flushed to disk)")
		dropSig := fs.Bool("drop-signature", false, "remove the digital signature of a signed package (it would be invalid)")
		var sync bool
		syncFlag(fs, &sync)
		return func(env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one IN file")
			}
			dst, err := outputPath(args[0], *out, *inPlace)
			if err != nil {
				return err
			}
			db, err := openMSI(env, args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			if db.Kind() == msi.KindTransform {
				return fmt.Errorf("%s: cannot repack a transform (.mst): its tables are change records", args[0])
			}
			signed := db.Signed()
			if err := db.Save(dst, &msi.SaveOptions{Compact: true, DropSignature: *dropSig, InPlace: *inPlace, Sync: sync}); err != nil {
				return fileErr(dst, err)
			}
			if signed && *dropSig {
				fmt.Fprintf(env.Stderr, "msikit: %s: digital signature removed (re-encoding invalidates it)\n", dst)
			}
			return nil
		}
	},
}
