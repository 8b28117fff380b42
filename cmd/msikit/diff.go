package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

var cmdDiff = &Command{
	Name:      "diff",
	UsageLine: "msikit diff OLD NEW [-o OUT.mst [--validate LIST] [--suppress LIST] [--sync]]",
	Short:     "compare two databases row by row, show a transform's or patch's changes, or write the transform (.mst) between two databases",
	Long: `Diff compares the database OLD with NEW and prints the differences, table by
table, keyed by primary key: a reviewer's view of what changed. NEW may be
a database, a transform (.mst: its change records read against OLD; ":NAME"
for a transform stored in OLD, such as a language transform) or a patch
(.msp: its database part applied to OLD, as msikit apply does).
Nothing is written unless -o is given.

Each line is one change ("+" a row added, "-" a row removed with the values
OLD has, "~" a row updated with each changed column as old -> new, "!" a
record of a transform that does not fit OLD, with the error condition it
meets, "?" what a transform cannot carry or what OLD lacks), after the
tables created, dropped or given columns and the codepage:

  table RemoveRegistry: created: RemoveRegistry s72 key, Root i2, ...
  ~ Property [ProductVersion] Value: 1.0.0.0 -> 1.0.1.0;
  + Registry [reg1]	reg1	2	Software\Acme		1	Main
  ? summary 9 RevisionNumber: {A...} -> {B...} (a transform cannot change summary information)

Values are IDT text, nulls empty, control characters as \xNN, binary cells
as [stream N bytes] (compared by their bytes).

With -o OUT.mst (NEW a database), the changes are written as a transform
from OLD to NEW, which msiexec applies with TRANSFORMS=OUT.mst and msikit
apply with OLD: tables created and dropped, columns appended, rows
inserted, updated and deleted, binary cells, the codepage. What a
transform cannot carry (summary information, streams that are not binary
cells such as embedded cabinets, sub-storages, removed or redefined
columns, a change to the neutral codepage) is listed and left out. Its
summary information holds OLD's and NEW's ProductCode, ProductVersion,
UpgradeCode, platform and language, its creation time (now, or
$SOURCE_DATE_EPOCH, seconds since 1970, when set, so the same inputs give
the same bytes), and in PID 16 the validation checks
(--validate) and the error conditions to suppress (--suppress), both none
by default as msitran's are:

  --validate LIST: language (msitran's l), product (r), platform (p),
    major-version (s), minor-version (t), update-version (u), version-lt
    (v), version-le (w), version-eq (x), version-ge (y), version-gt (z),
    upgrade-code (g), none; letters may be given together ("gux").
  --suppress LIST: add-existing-row (a), delete-missing-row (b),
    add-existing-table (c), delete-missing-table (d), update-missing-row
    (e), change-codepage (f), none or all.

Two databases whose tables do not differ give no transform (exit status 1,
as Windows' MsiDatabaseGenerateTransform returns ERROR_NO_DATA), and so do
two that differ only in what a transform cannot carry (the message says so). The
transform is written to a temporary file beside OUT.mst, read back
(decoded against OLD) and renamed into place; --sync flushes it first.`,
	Example: `msikit diff v1.msi v2.msi
msikit diff vendor.msi fix.mst
msikit diff product.msi :1031
msikit diff product.msi patch.msp
msikit diff vendor.msi customized.msi -o fix.mst --validate product,upgrade-code`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		out := fs.StringP("output", "o", "", "write the transform from OLD to NEW to the file `OUT` (a .mst) instead of printing the differences")
		validate := fs.String("validate", "", "with -o: the validation checks the transform asks for (PID 16, high word): `LIST` of names or msitran letters")
		suppress := fs.String("suppress", "", "with -o: the error conditions the transform suppresses (PID 16, low word): `LIST` of names or msitran letters, none or all")
		sync := fs.Bool("sync", false, "with -o: flush the transform to disk before renaming it into place")
		return func(env *Env, args []string) error {
			if len(args) != 2 {
				return usagef("want OLD and NEW")
			}
			if *out == "" {
				for _, f := range []string{"validate", "suppress", "sync"} {
					if fs.Changed(f) {
						return usagef("--%s is for writing a transform: add -o OUT.mst", f)
					}
				}
			}
			var so mst.SummaryOptions
			var err error
			if so.Validation, err = mst.ParseValidation(*validate); err != nil {
				return usagef("--validate: %s", strings.TrimPrefix(err.Error(), "mst: "))
			}
			if so.Suppress, err = mst.ParseErrorConditions(*suppress); err != nil {
				return usagef("--suppress: %s", strings.TrimPrefix(err.Error(), "mst: "))
			}
			if *out != "" {
				if so.Created, err = sourceDateEpoch(); err != nil {
					return err
				}
				for _, in := range args {
					if err := checkNotInput(in, *out); err != nil {
						return fileErr(*out, err)
					}
				}
			}
			return runDiff(env, args[0], args[1], *out, &so, *sync)
		}
	},
}

func runDiff(env *Env, oldName, newName, out string, so *mst.SummaryOptions, sync bool) error {
	old, err := openMSI(env, oldName)
	if err != nil {
		return err
	}
	defer old.Close()
	switch old.Kind() {
	case msi.PackageTransform, msi.PackagePatch:
		return fileErr(oldName, fmt.Errorf("a %v is not a database to compare", old.Kind()))
	}
	if err := checkNotCabinet(old, oldName, out); err != nil {
		return err
	}
	w := textWriter{env.Stdout}
	if emb, ok := strings.CutPrefix(newName, ":"); ok {
		if out != "" {
			return fileErr(newName, errors.New("a transform, not a database: -o writes the transform between two databases"))
		}
		t, err := mst.OpenEmbedded(old, emb)
		if err != nil {
			return fileErr(newName, err)
		}
		return diffTransform(w, old, oldName, t, newName)
	}
	ndb, err := openMSI(env, newName)
	if err != nil {
		return err
	}
	defer ndb.Close()
	if err := checkNotCabinet(ndb, newName, out); err != nil {
		return err
	}
	switch ndb.Kind() {
	case msi.PackageTransform:
		if out != "" {
			return fileErr(newName, errors.New("a transform, not a database: -o writes the transform between two databases"))
		}
		t, err := mst.New(ndb)
		if err != nil {
			return fileErr(newName, err)
		}
		return diffTransform(w, old, oldName, t, newName)
	case msi.PackagePatch:
		if out != "" {
			return fileErr(newName, errors.New("a patch, not a database: -o writes the transform between two databases"))
		}
		return diffPatch(env, w, old, oldName, ndb, newName)
	}
	c, err := mst.Diff(old, ndb)
	if err != nil {
		return fileErr(newName, err)
	}
	if out == "" {
		fmt.Fprintf(w, "--- %s\n+++ %s\n", oldName, newName)
		return mst.WriteText(w, old, c)
	}
	si, err := mst.NewSummary(old, ndb, so)
	if err != nil {
		return fileErr(newName, err)
	}
	err = mst.Save(out, c, si, &mst.SaveOptions{Sync: sync, Base: old})
	if errors.Is(err, mst.ErrNoChanges) {
		if n := len(c.Unexpressible); n > 0 {
			return fileErr(newName, fmt.Errorf("it differs from %s only in what a transform cannot carry (%s; msikit diff without -o lists them): no transform written", oldName, plural(n, "difference")))
		}
		return fileErr(newName, fmt.Errorf("its tables do not differ from %s: no transform written", oldName))
	}
	if err != nil {
		return fileErr(out, err)
	}
	writeTransformSummary(w, out, oldName, newName, c, so)
	return nil
}

// diffTransform prints the change records of transform t (named name)
// read against old.
func diffTransform(w io.Writer, old *msi.Database, oldName string, t *mst.Transform, name string) error {
	c, err := t.Decode(old)
	if err != nil {
		return fileErr(name, err)
	}
	fmt.Fprintf(w, "--- %s\n+++ %s + %s\n", oldName, oldName, name)
	return mst.WriteText(w, old, c)
}

// writeTransformSummary prints what a written transform carries and what
// it leaves out.
func writeTransformSummary(w io.Writer, out, oldName, newName string, c *mst.Changes, so *mst.SummaryOptions) {
	var ins, upd, del, tables int
	for _, tc := range c.Tables {
		i, u, d := tc.Counts()
		ins, upd, del = ins+i, upd+u, del+d
		if tc.Created || tc.Dropped || len(tc.Added) > 0 || i+u+d > 0 {
			tables++
		}
	}
	fmt.Fprintf(w, "%s: transform from %s to %s: %s changed, %s inserted, %d updated, %d deleted", out, oldName, newName, plural(tables, "table"), plural(ins, "row"), upd, del)
	if c.CodepageChange {
		fmt.Fprintf(w, ", codepage %d", c.Codepage)
	}
	fmt.Fprintf(w, "; validation %s; suppressed error conditions %s\n", so.Validation, so.Suppress)
	for _, tc := range c.Tables {
		switch {
		case tc.Created:
			fmt.Fprintf(w, "  table %s created\n", escapeName(tc.Name))
		case tc.Dropped:
			fmt.Fprintf(w, "  table %s dropped\n", escapeName(tc.Name))
		case len(tc.Added) > 0:
			fmt.Fprintf(w, "  table %s: %s added\n", escapeName(tc.Name), plural(len(tc.Added), "column"))
		}
	}
	for _, d := range c.Unexpressible {
		fmt.Fprintf(w, "  not in the transform: %s %s: %s\n", d.Kind, escapeName(d.Name), d.Reason)
	}
}

// diffPatch prints what the database part of patch p changes in old.
func diffPatch(env *Env, w io.Writer, old *msi.Database, oldName string, pdb *msi.Database, patchName string) error {
	patched, err := openMSI(env, oldName)
	if err != nil {
		return err
	}
	defer patched.Close()
	p, err := mst.NewPatch(pdb)
	if err != nil {
		return fileErr(patchName, err)
	}
	rep, err := mst.ApplyPatch(patched, p, nil)
	if err != nil {
		return fileErr(patchName, err)
	}
	c, err := mst.Diff(old, patched)
	if err != nil {
		return fileErr(patchName, err)
	}
	// The cabinets the patch brings are streams no transform could add:
	// say where they come from instead.
	copied := map[string]bool{}
	for _, cab := range rep.Cabinets {
		copied[cab] = true
	}
	kept := c.Unexpressible[:0]
	for _, d := range c.Unexpressible {
		if d.Kind != "stream" || !copied[d.Name] {
			kept = append(kept, d)
		}
	}
	c.Unexpressible = kept
	var applied []string
	for _, r := range rep.Applied {
		applied = append(applied, r.Transform)
	}
	fmt.Fprintf(w, "--- %s\n+++ %s + %s (transforms %s)\n", oldName, oldName, patchName, strings.Join(applied, ", "))
	if err := mst.WriteText(w, old, c); err != nil {
		return err
	}
	for _, cab := range rep.Cabinets {
		fmt.Fprintf(w, "? patch: cabinet %s copied from the patch\n", cab)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "? patch: %s\n", n)
	}
	return nil
}
