package main

import (
	"fmt"

	"github.com/msikit/msikit/msi"
	flag "github.com/spf13/pflag"
)

var cmdImport = &Command{
	UsageLine: "msikit import FILE TABLE.idt... [-o OUT]",
	Short:     "import IDT files into a database (msibuild -i semantics)",
	Long: `Import reads IDT files (the text format "msikit export", msiinfo export and
msidb write) into the database FILE and writes the result to OUT, like
"msibuild FILE -i TABLE.idt" but without touching FILE unless --in-place is
given. For each file:

  - a table the database lacks is created from the file's header (column
    names, types such as s72, L255, i2, I4, v0, and the key columns);
  - an existing table keeps its columns and all its rows are replaced by
    the file's rows;
  - binary (v0) cells name a file in the folder TABLE beside the IDT file,
    which becomes the row's stream (as msiinfo export writes them);
  - _SummaryInformation.idt sets summary information properties and
    _ForceCodepage.idt the codepage (strings keep their text and are
    re-encoded; a codepage that cannot represent one is refused);
  - the names Windows Installer reserves (_StringPool, _StringData,
    _Tables, _Columns, _Streams, _Storages, _TransformView) are refused;
  - a symbolic link in the binary-cell folder (TABLE itself or a cell's
    file) is refused.

Only the tables and streams that change are re-encoded; everything else is
copied through byte for byte. The output is written atomically. A signed
package is refused unless --drop-signature is given, since any change
invalidates the signature. Malformed IDT input (a row with the wrong number
of fields, an integer that does not parse, a duplicate key) is an error
naming the file and line, and nothing is written.

` + durability,
	Example: `	msikit export product.msi Property > Property.idt
	$EDITOR Property.idt
	msikit import product.msi Property.idt -o product-new.msi`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		out := fs.StringP("output", "o", "", "write the result to `OUT`")
		inPlace := fs.Bool("in-place", false, "replace FILE itself (atomically, flushed to disk) instead of writing -o OUT")
		dropSig := fs.Bool("drop-signature", false, "remove the digital signature of a signed package (it would be invalid)")
		var sync bool
		syncFlag(fs, &sync)
		return func(env *Env, args []string) error {
			if len(args) < 2 {
				return usagef("want FILE and at least one TABLE.idt")
			}
			dst, err := outputPath(args[0], *out, *inPlace)
			if err != nil {
				return err
			}
			db, err := openMSI(args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			for _, idt := range args[1:] {
				if _, err := db.ImportIDTFile(idt); err != nil {
					return fileErr(idt, err)
				}
			}
			if err := db.Save(dst, &msi.SaveOptions{DropSignature: *dropSig, InPlace: *inPlace, Sync: sync}); err != nil {
				return fileErr(dst, err)
			}
			if *dropSig && db.Signed() {
				fmt.Fprintf(env.Stderr, "msikit: %s: digital signature removed (the package changed)\n", dst)
			}
			return nil
		}
	},
}

// syncFlag defines --sync, shared by every command that writes a package.
func syncFlag(fs *flag.FlagSet, p *bool) {
	fs.BoolVar(p, "sync", false, "flush the output to disk before renaming it into place, so even a power cut cannot leave it empty or short")
}

// durability is the sentence every package-writing command's help uses.
const durability = `The output is read back (reopened, and every table written anew decoded)
before it is renamed into place, so a file msikit cannot read never
replaces anything. An output that is a symbolic link (--in-place or -o)
is followed: the file it points to is replaced and the link kept. Like cp,
msikit leaves flushing the output to disk to the system unless --sync is
given (or --in-place, which replaces the only copy). Either way the rename
means no reader, and no kill of msikit, ever sees a partial file; --sync
also covers a power cut.`

// outputPath checks the -o/--in-place combination and returns where to
// write.
func outputPath(in, out string, inPlace bool) (string, error) {
	switch {
	case inPlace && out != "":
		return "", usagef("give either -o OUT or --in-place, not both")
	case inPlace:
		return in, nil
	case out == "":
		return "", usagef("missing -o OUT (or --in-place to replace %s)", in)
	}
	return out, nil
}
