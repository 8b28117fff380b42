package main

import (
	"errors"
	"fmt"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/msi"
)

var cmdRepack = &Command{
	Name:      "repack",
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
re-encoding invalidates the signature, or unless --sign-cert and --sign-key
(or --pfx) name a key to sign the output with, as msikit sign does.

` + durability,
	Example: `	msikit repack product.msi -o product-compact.msi
msikit repack signed.msi --sign-cert chain.pem --sign-key key.pem --sign-ex -o compact.msi`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		var o outputFlags
		o.define(fs, "IN", "", withInPlace|withDropSignature|withSignFlags)
		return func(env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one IN file")
			}
			dst, signOpts, wc, err := o.prepare(args[0])
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
			if db.Kind() == msi.PackageTransform {
				return fmt.Errorf("%s: cannot repack a transform (.mst): its tables are change records", args[0])
			}
			if signOpts != nil {
				if err := saveSigned(env, db, dst, &msi.SaveOptions{WriteOptions: msi.WriteOptions{Compact: true}, InPlace: o.inPlace, Sync: o.sync}, signOpts); err != nil {
					return err
				}
				return wc.report(env, dst)
			}
			signed := db.Signed()
			err = db.Save(dst, &msi.SaveOptions{WriteOptions: msi.WriteOptions{Compact: true, DropSignature: o.dropSignature}, InPlace: o.inPlace, Sync: o.sync})
			if errors.Is(err, msi.ErrSigned) {
				return signedRefusal(args[0], "repacking re-encodes it")
			}
			if err != nil {
				return fileErr(dst, err)
			}
			reportDroppedSignature(env, dst, signed && o.dropSignature, "re-encoding invalidates it")
			return wc.report(env, dst)
		}
	},
}
