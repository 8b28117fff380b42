package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

var cmdApply = &Command{
	Name:      "apply",
	UsageLine: "msikit apply BASE TRANSFORM... (-o OUT | --in-place) [--ignore LIST] [--skip-check LIST]",
	Short:     "apply transforms (.mst, embedded :NAME) and the database part of patches (.msp) to a database",
	Long: `Apply applies each TRANSFORM, in order, to the database BASE and writes the
result to OUT, as Windows Installer does when it installs BASE with
TRANSFORMS=... or PATCH=...; BASE itself is not touched unless --in-place
is given. A TRANSFORM is:

  - a transform file (.mst);
  - ":NAME", a transform stored in BASE (an embedded transform, such as
    a language transform ":1031" or an instance transform), as
    TRANSFORMS=:NAME names it;
  - a patch (.msp): the first pair of its transforms (X and #X, in the
    order of its summary information) made for BASE's product is applied,
    and the cabinets the new Media rows name are copied from the patch
    (not a stream named "\x05...", a property set or signature such as
    the patch's own signature: noted instead).
    Only the database part: file contents a patch delivers as binary
    deltas (Patch table rows) are not applied to anything, and the report
    says so.

Before a transform is applied, the validation flags of its summary
information (PID 16, high word) are checked against the database as it
stands: ProductCode, UpgradeCode, ProductVersion (compared as the flags
say), ProductLanguage and the platform. A database the transform was not
made for is refused, naming the check; --skip-check LIST skips checks
(language, product, platform, version, upgrade-code, all).

The transform's records then change the tables: tables dropped and
created, columns added, the codepage, rows inserted, updated and deleted,
binary cells' streams set. A record that does not fit the database (a row
it adds exists, a row it updates or deletes or a table it drops does not,
a table it creates exists, the codepages conflict) is an error condition:
it fails the apply unless the transform's summary information (PID 16,
low word) suppresses it. --ignore LIST names the conditions to suppress
instead, for every transform: add-existing-row (msitran's a),
delete-missing-row (b), add-existing-table (c), delete-missing-table (d),
update-missing-row (e), change-codepage (f), none or all. A suppressed
full row whose key exists replaces the row; the other suppressed records
do nothing. Every condition met is in the report.

The report gives, per transform, the rows inserted, updated and deleted
per table, the tables and columns added, the conditions met; a changed
package gets a new PackageCode (--keep-package-code keeps it).

` + durability + `

A signed BASE is refused unless --drop-signature or a key (--sign-cert and
--sign-key, or --pfx) is given: applying a transform changes the package.
To leave a signed vendor package untouched, ship the transform and
install with TRANSFORMS= instead. --validate checks the output with the
ICE rules as msikit validate does.`,
	Example: `msikit apply vendor.msi fix.mst -o fixed.msi
msikit apply product.msi :1031 -o product-de.msi
msikit apply product.msi patch.msp -o patched.msi
msikit apply base.msi a.mst b.mst --ignore all --skip-check version -o out.msi`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		var o outputFlags
		o.define(fs, "BASE", "", withInPlace|withDropSignature|withKeepPackageCode|withSignFlags)
		ignore := fs.String("ignore", "", "error conditions to suppress instead of each transform's own: `LIST` of add-existing-row, delete-missing-row, add-existing-table, delete-missing-table, update-missing-row, change-codepage (or msitran's letters a-f), none or all")
		skip := fs.String("skip-check", "", "validation checks not to enforce: `LIST` of language, product, platform, version, upgrade-code, or all")
		return func(env *Env, args []string) error {
			if len(args) < 2 {
				return usagef("want BASE and at least one TRANSFORM")
			}
			var opts mst.ApplyOptions
			if fs.Changed("ignore") {
				cond, err := mst.ParseErrorConditions(*ignore)
				if err != nil {
					return usagef("--ignore: %s", strings.TrimPrefix(err.Error(), "mst: "))
				}
				opts.Suppress, opts.SetSuppress = cond, true
			}
			checks, err := mst.ParseChecks(*skip)
			if err != nil {
				return usagef("--skip-check: %s", strings.TrimPrefix(err.Error(), "mst: "))
			}
			opts.Skip = checks
			return runApply(env, &o, args[0], args[1:], &opts)
		}
	},
}

func runApply(env *Env, o *outputFlags, base string, transforms []string, opts *mst.ApplyOptions) error {
	dst, signOpts, wc, err := o.prepare(base, transforms...)
	if err != nil {
		return err
	}
	db, err := openMSI(env, base)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := checkNotCabinet(db, base, dst); err != nil {
		return err
	}
	switch db.Kind() {
	case msi.PackageTransform, msi.PackagePatch:
		return fileErr(base, fmt.Errorf("a %v is not a database to apply transforms to", db.Kind()))
	}
	// The report is printed once the output is written: a failed apply
	// prints only its error line.
	var report bytes.Buffer
	w := textWriter{&report}
	fmt.Fprintf(w, "%s + %s -> %s\n", base, strings.Join(transforms, " + "), dst)
	// The transforms and patches stay open until db is written: their
	// streams (binary cells, cabinets) are read then.
	var opened []*msi.Database
	defer func() {
		for _, o := range opened {
			o.Close()
		}
	}()
	for _, name := range transforms {
		tdb, err := applyOne(env, w, db, name, opts)
		if tdb != nil {
			opened = append(opened, tdb)
		}
		if err != nil {
			return err
		}
	}
	oldCode, _ := db.PackageCode()
	if signOpts != nil {
		if err := saveSigned(env, db, dst, &msi.SaveOptions{WriteOptions: msi.WriteOptions{KeepPackageCode: o.keepPackageCode}, InPlace: o.inPlace, Sync: o.sync}, signOpts); err != nil {
			return err
		}
	} else {
		wo := msi.WriteOptions{DropSignature: o.dropSignature, KeepPackageCode: o.keepPackageCode}
		dropped := db.DropsSignature(&wo)
		err = db.Save(dst, &msi.SaveOptions{WriteOptions: wo, InPlace: o.inPlace, Sync: o.sync})
		if errors.Is(err, msi.ErrSigned) {
			return signedRefusal(base, "applying the transforms changes it")
		}
		if err != nil {
			return fileErr(dst, err)
		}
		if dropped {
			fmt.Fprintf(w, "  signature: dropped; %s is unsigned, sign it again before shipping\n", dst)
		}
	}
	if newCode, err := db.PackageCode(); err == nil && newCode != oldCode {
		fmt.Fprintf(w, "  package-code: %s (was %s)\n", newCode, oldCode)
	}
	if _, err := env.Stdout.Write(report.Bytes()); err != nil {
		return err
	}
	return wc.report(env, dst)
}

// applyOne applies one TRANSFORM argument to db and prints its report.
// It returns the file it opened (nil for an embedded transform), which
// the caller closes after db is written.
func applyOne(env *Env, w io.Writer, db *msi.Database, name string, opts *mst.ApplyOptions) (*msi.Database, error) {
	if emb, ok := strings.CutPrefix(name, ":"); ok {
		t, err := mst.OpenEmbedded(db, emb)
		if err != nil {
			return nil, fileErr(name, err)
		}
		rep, err := mst.Apply(db, t, opts)
		if err != nil {
			return nil, fileErr(name, err)
		}
		writeApplyReport(w, name, rep)
		return nil, nil
	}
	tdb, err := openMSI(env, name)
	if err != nil {
		return nil, err
	}
	return tdb, applyFile(w, db, tdb, name, opts)
}

// applyFile applies the transform or patch tdb (the file name) to db.
func applyFile(w io.Writer, db, tdb *msi.Database, name string, opts *mst.ApplyOptions) error {
	switch tdb.Kind() {
	case msi.PackageTransform:
		t, err := mst.New(tdb)
		if err != nil {
			return fileErr(name, err)
		}
		rep, err := mst.Apply(db, t, opts)
		if err != nil {
			return fileErr(name, err)
		}
		writeApplyReport(w, name, rep)
	case msi.PackagePatch:
		p, err := mst.NewPatch(tdb)
		if err != nil {
			return fileErr(name, err)
		}
		rep, err := mst.ApplyPatch(db, p, opts)
		if err != nil {
			return fileErr(name, err)
		}
		for _, r := range rep.Applied {
			writeApplyReport(w, name+":"+r.Transform, r)
		}
		for _, s := range rep.Skipped {
			fmt.Fprintf(w, "  %s:%s: skipped: %s\n", name, s.Name, trimPackage(s.Reason.Error()))
		}
		for _, c := range rep.Cabinets {
			fmt.Fprintf(w, "  %s: cabinet %s copied from the patch\n", name, c)
		}
		for _, n := range rep.Notes {
			fmt.Fprintf(w, "  %s: note: %s\n", name, n)
		}
	default:
		return fileErr(name, fmt.Errorf("not a transform or a patch (kind %v)", tdb.Kind()))
	}
	return nil
}

// writeApplyReport prints what one transform did: one line of counts per
// table, then the codepage, the suppressed conditions and the notes.
func writeApplyReport(w io.Writer, name string, rep *mst.Report) {
	if !rep.Changed() && len(rep.Notes) == 0 {
		fmt.Fprintf(w, "  %s: no change\n", name)
	}
	for _, t := range rep.Tables {
		var parts []string
		if t.Dropped {
			parts = append(parts, "dropped")
		}
		if t.Created {
			parts = append(parts, "created")
		}
		if t.AddedColumns > 0 {
			parts = append(parts, plural(t.AddedColumns, "column")+" added")
		}
		for _, c := range []struct {
			n    int
			what string
		}{{t.Inserted, "inserted"}, {t.Updated, "updated"}, {t.Deleted, "deleted"}, {t.Streams, "streams set or removed"}} {
			if c.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
			}
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "  %s: %s: %s\n", name, escapeName(t.Table), strings.Join(parts, ", "))
		}
	}
	if rep.OldCodepage != rep.NewCodepage {
		fmt.Fprintf(w, "  %s: codepage %d -> %d\n", name, rep.OldCodepage, rep.NewCodepage)
	}
	var conds []mst.ErrorConditions
	for c := range rep.Suppressed {
		conds = append(conds, c)
	}
	sort.Slice(conds, func(i, j int) bool { return conds[i] < conds[j] })
	for _, c := range conds {
		fmt.Fprintf(w, "  %s: %s met %d times, suppressed\n", name, c, rep.Suppressed[c])
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "  %s: note: %s\n", name, n)
	}
}
