package main

import (
	"errors"
	"fmt"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

var cmdImport = &Command{
	Name:      "import",
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
    which becomes the row's stream (as msiinfo export writes them); a
    file several cells name is copied into each row's stream, up to 64 MiB
    of copies in all, all the IDT files together (a cell counting at
    least 4 KiB; hard links are one file);
  - _SummaryInformation.idt sets summary information properties and
    _ForceCodepage.idt the codepage (strings keep their text and are
    re-encoded; a codepage that cannot represent one is refused);
  - the names Windows Installer reserves (_StringPool, _StringData,
    _Tables, _Columns, _Streams, _Storages, _TransformView) are refused;
  - a symbolic link in the binary-cell folder (TABLE itself or a cell's
    file) is refused, and so is an -o OUT that is a cell's file (by any
    name or hard link), which the output would replace.

Values are read as the Archive File Format writes them: the control
characters 0x15, 0x1B, 0x10, 0x19, 0x18 and 0x11 stand for NUL, backspace,
tab, line feed, form feed and carriage return (msikit export writes them
so). A string longer than its column's declared size is kept with a warning,
since Windows Installer does not enforce the sizes; --strict refuses it, and
values the _Validation table does not allow.

Each IDT file that changes the package gets a line on stderr saying what it
changed: "TABLE: 1 inserted, 2 deleted, 1 updated; 7 rows now (FILE.idt)",
rows told apart by their primary key (a binary cell by its bytes), so rows
a file leaves out show as deleted; "TABLE: created, N rows"; "summary
information: N properties changed"; "codepage N (was M)".

A changed package gets a new PackageCode (summary information Revision
Number), reported on stderr, since Windows Installer caches packages by it;
--keep-package-code keeps the old one. An import that changes nothing
(files that hold the rows a table has, and binary cell files that hold the
bytes of its streams, as "msikit export -d" writes them) keeps the
PackageCode and the signature.

Only the tables and streams that change are re-encoded; everything else is
copied through byte for byte. The output is written atomically. A signed
package is refused unless --drop-signature is given, since any change
invalidates the signature, or unless --sign-cert and --sign-key (or --pfx)
name a key to sign the output with, as msikit sign does. Malformed IDT input (a row with the wrong number
of fields, an integer that does not parse, a duplicate key) is an error
naming the file and line, and nothing is written.

` + durability,
	Example: `	msikit export product.msi Property > Property.idt
	$EDITOR Property.idt
	msikit import product.msi Property.idt -o product-new.msi
	msikit import signed.msi Property.idt --pfx code.pfx --password-file pw.txt -o resigned.msi`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		var o outputFlags
		o.define(fs, "FILE", "", withInPlace|withDropSignature|withKeepPackageCode|withSignFlags)
		strict := fs.Bool("strict", false, "refuse values longer than their column's declared size or not allowed by _Validation (by default an over-long value is kept with a warning, as Windows Installer does not enforce the sizes)")
		return func(env *Env, args []string) error {
			if len(args) < 2 {
				return usagef("want FILE and at least one TABLE.idt")
			}
			dst, signOpts, wc, err := o.prepare(args[0], args[1:]...)
			if err != nil {
				return err
			}
			db, err := openMSI(env, args[0])
			if err != nil {
				return err
			}
			defer db.Close()
			if err := checkNotCabinet(db, args[0], dst); err != nil {
				return err
			}
			db.SetStrict(*strict)
			opened := len(db.Warnings)
			changes := make([]*importChange, 0, len(args)-1)
			prints := newRowPrints()
			// One Importer for all files: the copies of binary cell
			// files are bounded for the whole import, not file by file.
			// With -o, a binary cell naming the output file (an input
			// the output would replace) is refused, as -o naming an IDT
			// file is (prepare).
			var im idt.Importer
			if !o.inPlace {
				im.Output = dst
			}
			for _, file := range args[1:] {
				c, err := importOne(db, &im, file, prints)
				if errors.Is(err, safefile.ErrSameFile) {
					return fmt.Errorf("%w (-o must name another file)", err)
				}
				if err != nil {
					return err
				}
				changes = append(changes, c)
			}
			// Values longer than their column's declared size are kept
			// (Windows Installer does not enforce the sizes), with a
			// warning each.
			warn(env, args[0], db.Warnings[opened:])
			if signOpts != nil {
				if err := saveSigned(env, db, dst, &msi.SaveOptions{WriteOptions: msi.WriteOptions{KeepPackageCode: o.keepPackageCode}, InPlace: o.inPlace, Sync: o.sync}, signOpts); err != nil {
					return err
				}
				reportImport(env, dst, changes)
				return wc.report(env, dst)
			}
			// A changed package gets a new PackageCode when it is
			// written (unless an imported _SummaryInformation.idt set
			// one, or --keep-package-code); compare to report it.
			oldCode, _ := db.PackageCode() // unreadable: the write says why
			wo := msi.WriteOptions{DropSignature: o.dropSignature, KeepPackageCode: o.keepPackageCode}
			dropped := db.DropsSignature(&wo)
			err = db.Save(dst, &msi.SaveOptions{WriteOptions: wo, InPlace: o.inPlace, Sync: o.sync})
			if errors.Is(err, msi.ErrSigned) {
				return signedRefusal(args[0], "the import changes it")
			}
			if err != nil {
				return fileErr(dst, err)
			}
			reportImport(env, dst, changes)
			if newCode, err := db.PackageCode(); err == nil && newCode != oldCode {
				fmt.Fprintf(env.Stderr, "msikit: %s: new PackageCode %s (was %s)\n", dst, newCode, oldCode)
			}
			if dropped {
				fmt.Fprintf(env.Stderr, "msikit: %s: digital signature removed (the import changed the package; sign it again)\n", dst)
			}
			return wc.report(env, dst)
		}
	},
}

// importOne imports one IDT file into db and returns what it changed.
func importOne(db *msi.Database, im *idt.Importer, file string, prints *rowPrints) (*importChange, error) {
	c := &importChange{file: file, table: idtTableName(file)}
	var before tableBefore
	var props map[msi.PropertyID]string
	switch c.table {
	case idt.SummaryInformationTable:
		props = summaryProps(db)
	case idt.ForceCodepageTable:
		c.codepage[0] = db.Codepage()
	case "":
	default:
		before = prints.snapshot(db, c.table)
	}
	table, err := im.ImportFile(db, file)
	if err != nil {
		return nil, fileErr(file, err)
	}
	switch table {
	case idt.SummaryInformationTable:
		c.props = changedProps(props, summaryProps(db))
	case idt.ForceCodepageTable:
		c.codepage[1] = db.Codepage()
	default:
		if table != c.table {
			// The header named the table otherwise than the import read
			// it (it cannot): no fingerprint to compare, so "created".
			before = nil
		}
		if err := prints.compare(db, table, before, c); err != nil {
			return nil, fileErr(file, fmt.Errorf("reading table %s after the import: %w", escapeName(table), err))
		}
	}
	c.table = table
	return c, nil
}

// reportImport says on standard error what each IDT file changed in the
// package written to dst; a file that changed nothing is not reported (an
// import that changes nothing says nothing).
func reportImport(env *Env, dst string, changes []*importChange) {
	for _, c := range changes {
		if !c.changed() {
			continue
		}
		fmt.Fprintf(env.Stderr, "msikit: %s: %s\n", escapeText(dst), c)
	}
}

// signedRefusal is the error of a writer asked to change the signed
// package in, for the reason why (what changes it).
func signedRefusal(in, why string) error {
	return fileErr(in, fmt.Errorf("package is signed and %s, which invalidates its Authenticode signature; pass --drop-signature to write it unsigned (and re-sign it)", why))
}

// reportDroppedSignature says on standard error whether the signature of
// a signed package written with --drop-signature to dst is gone (asked
// set): it checks the written file rather than assuming, and says why
// (why is "" when the command changed nothing).
func reportDroppedSignature(env *Env, dst string, asked bool, why string) {
	if !asked {
		return
	}
	out, err := msi.Open(dst)
	if err != nil {
		return // Save succeeded; a failure to reopen is not this report's business
	}
	gone := !out.Signed()
	out.Close()
	switch {
	case gone && why != "":
		fmt.Fprintf(env.Stderr, "msikit: %s: digital signature removed (%s; sign it again)\n", dst, why)
	case gone:
		fmt.Fprintf(env.Stderr, "msikit: %s: digital signature removed (--drop-signature), although nothing else changed\n", dst)
	}
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

// durabilityNoInPlace is durability for a writer without --in-place.
const durabilityNoInPlace = `Like cp, msikit leaves flushing the output to disk to the system unless
--sync is given. Either way the rename means no reader, and no kill of
msikit, ever sees a partial file; --sync also covers a power cut.`

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
	if err := checkDistinct(in, out); err != nil {
		return "", err
	}
	return out, nil
}
