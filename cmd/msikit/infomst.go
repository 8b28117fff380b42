package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/msikit/msikit/internal/clip"
	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// transformJSON is what "info" shows of a transform: its summary
// information's transform fields and its changes, table by table.
type transformJSON struct {
	Name            string `json:"name,omitempty"` // a patch's transform: its storage name
	Validation      string `json:"validation"`
	ValidationFlags uint32 `json:"validationFlags"`
	Suppress        string `json:"suppress"`
	SuppressFlags   uint32 `json:"suppressFlags"`
	BasePlatform    string `json:"basePlatform"`
	BaseLanguage    string `json:"baseLanguage"`
	NewPlatform     string `json:"newPlatform"`
	NewLanguage     string `json:"newLanguage"`
	BaseProductCode string `json:"baseProductCode"`
	BaseVersion     string `json:"baseVersion"`
	NewProductCode  string `json:"newProductCode"`
	NewVersion      string `json:"newVersion"`
	UpgradeCode     string `json:"upgradeCode"`
	MinInstaller    int    `json:"minInstallerVersion"`
	Codepage        int    `json:"codepage"`
	// Base is the database the records were decoded against (--base);
	// without it only the tables the transform creates are decoded.
	Base   string               `json:"base,omitempty"`
	Tables []transformTableJSON `json:"tables"`
	Unused []string             `json:"unusedStreams,omitempty"`
	Error  string               `json:"error,omitempty"`
}

type transformTableJSON struct {
	Name         string   `json:"name"`
	Created      bool     `json:"created,omitempty"`
	Dropped      bool     `json:"dropped,omitempty"`
	AddedColumns []string `json:"addedColumns,omitempty"`
	Bytes        int      `json:"bytes"`
	// Decoded is false when the table's columns are unknown (give
	// --base): the records are then only counted in bytes.
	Decoded bool `json:"decoded"`
	Inserts int  `json:"inserts"`
	Updates int  `json:"updates"`
	Deletes int  `json:"deletes"`
}

// patchJSON is what "info" shows of a patch.
type patchJSON struct {
	PatchCode    string          `json:"patchCode"`
	Obsoletes    []string        `json:"obsoletes"`
	Targets      []string        `json:"targets"`
	MinInstaller int             `json:"minInstallerVersion"`
	Transforms   []transformJSON `json:"transforms"`
	Metadata     *rowsJSON       `json:"metadata,omitempty"`
	Sequence     *rowsJSON       `json:"sequence,omitempty"`
}

type rowsJSON struct {
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	// LeftOut counts the rows past maxPatchRows, not listed.
	LeftOut int `json:"rowsLeftOut,omitempty"`
}

// maxPatchRows bounds the rows of a patch's own tables info lists (a
// real patch has a few): 608,000 MsiPatchSequence rows sharing one
// pooled 64 KiB text made info print 40 GB for a 6 MB patch; clipped,
// they were still 93 MB of lines (2.6 s, 230 MiB; with --json 527 MiB).
const maxPatchRows = 1000

// patchRows returns the column names of one of the patch's own tables
// (nil when the patch lacks it) and its first max rows as text in stored
// order, each cell over 1 KiB clipped, with the number of rows left out.
func patchRows(db *msi.Database, table string, max int) (*rowsJSON, error) {
	if !db.HasTable(table) {
		return nil, nil
	}
	t, err := db.Table(table)
	if err != nil {
		return nil, err
	}
	j := &rowsJSON{Columns: []string{}, Rows: [][]string{}}
	for _, c := range t.Columns() {
		j.Columns = append(j.Columns, clip.String(c.Name))
	}
	for r := range t.Rows() {
		if len(j.Rows) == max {
			j.LeftOut = t.Len() - max
			break
		}
		row := make([]string, r.Len())
		for i := range row {
			row[i] = clip.String(r.At(i).String())
		}
		j.Rows = append(j.Rows, row)
	}
	return j, nil
}

// describeTransform fills a transformJSON; base may be nil.
func describeTransform(t *mst.Transform, base *msi.Database, baseName string) transformJSON {
	s := t.Summary()
	j := transformJSON{
		Validation: s.Validation.String(), ValidationFlags: uint32(s.Validation),
		Suppress: s.Suppress.String(), SuppressFlags: uint32(s.Suppress),
		BasePlatform: s.BasePlatform, BaseLanguage: s.BaseLanguage,
		NewPlatform: s.NewPlatform, NewLanguage: s.NewLanguage,
		BaseProductCode: s.BaseProductCode, BaseVersion: s.BaseVersion,
		NewProductCode: s.NewProductCode, NewVersion: s.NewVersion,
		UpgradeCode: s.UpgradeCode, MinInstaller: s.MinInstallerVersion,
		Codepage: t.Codepage(), Base: baseName, Tables: []transformTableJSON{},
	}
	c, err := t.Decode(base)
	if err != nil {
		j.Error = trimPackage(err.Error())
		return j
	}
	for _, tc := range c.Tables {
		tj := transformTableJSON{Name: tc.Name, Created: tc.Created, Dropped: tc.Dropped, Bytes: tc.Size, Decoded: tc.Columns != nil}
		for _, col := range tc.Added {
			if !tc.Created {
				tj.AddedColumns = append(tj.AddedColumns, col.Name+" "+col.IDTType())
			}
		}
		tj.Inserts, tj.Updates, tj.Deletes = tc.Counts()
		j.Tables = append(j.Tables, tj)
	}
	j.Unused = c.Unused
	return j
}

// describePatch fills a patchJSON.
func describePatch(p *mst.Patch) (*patchJSON, error) {
	j := &patchJSON{PatchCode: p.PatchCode, Obsoletes: append([]string{}, p.Obsoletes...), Targets: append([]string{}, p.Targets...),
		MinInstaller: p.MinInstallerVersion, Transforms: []transformJSON{}}
	for _, name := range p.Transforms {
		t, err := p.Transform(name)
		if err != nil {
			j.Transforms = append(j.Transforms, transformJSON{Name: name, Error: trimPackage(err.Error()), Tables: []transformTableJSON{}})
			continue
		}
		tj := describeTransform(t, nil, "")
		tj.Name = name
		j.Transforms = append(j.Transforms, tj)
	}
	var err error
	if j.Metadata, err = patchRows(p.Database(), "MsiPatchMetadata", maxPatchRows); err != nil {
		return nil, err
	}
	if j.Sequence, err = patchRows(p.Database(), "MsiPatchSequence", maxPatchRows); err != nil {
		return nil, err
	}
	return j, nil
}

// printTransform prints a transform's section of "info".
func printTransform(w io.Writer, indent string, j *transformJSON) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s%s:\t%s\n", indent, k, escapeText(v)) }
	row("Applies to", fmt.Sprintf("%s %s, platform %q, language %q", orNone(j.BaseProductCode), j.BaseVersion, j.BasePlatform, j.BaseLanguage))
	row("Makes", fmt.Sprintf("%s %s, platform %q, language %q", orNone(j.NewProductCode), j.NewVersion, j.NewPlatform, j.NewLanguage))
	row("UpgradeCode", orNone(j.UpgradeCode))
	row("Validation", fmt.Sprintf("%s (0x%04x)", j.Validation, j.ValidationFlags))
	row("Suppressed", fmt.Sprintf("%s (0x%04x)", j.Suppress, j.SuppressFlags))
	row("Min installer", fmt.Sprint(j.MinInstaller))
	row("Codepage", fmt.Sprint(j.Codepage))
	tw.Flush()
	if j.Error != "" {
		fmt.Fprintf(w, "%sError: %s\n", indent, escapeText(j.Error))
		return
	}
	for _, t := range j.Tables {
		var parts []string
		if t.Dropped {
			parts = append(parts, "dropped")
		}
		if t.Created {
			parts = append(parts, "created")
		}
		if len(t.AddedColumns) > 0 {
			parts = append(parts, "columns added: "+strings.Join(t.AddedColumns, ", "))
		}
		switch {
		case t.Decoded && t.Inserts+t.Updates+t.Deletes > 0:
			parts = append(parts, fmt.Sprintf("%d inserted, %d updated, %d deleted", t.Inserts, t.Updates, t.Deletes))
		case !t.Decoded && t.Bytes > 0:
			parts = append(parts, fmt.Sprintf("%d bytes of records (their columns come from the database the transform applies to: give it with --base)", t.Bytes))
		}
		fmt.Fprintf(tw, "%s  %s\t%s\n", indent, escapeName(t.Name), escapeText(strings.Join(parts, "; ")))
	}
	tw.Flush()
	for _, s := range j.Unused {
		fmt.Fprintf(w, "%s  stream %s: no binary cell names it\n", indent, escapeName(s))
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// printPatch prints a patch's section of "info".
func printPatch(w io.Writer, j *patchJSON) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "\nPatch:\n")
	fmt.Fprintf(tw, "  Patch code:\t%s\n", escapeText(orNone(j.PatchCode)))
	if len(j.Obsoletes) > 0 {
		fmt.Fprintf(tw, "  Obsoletes:\t%s\n", escapeText(strings.Join(j.Obsoletes, ", ")))
	}
	fmt.Fprintf(tw, "  Targets:\t%s\n", escapeText(strings.Join(j.Targets, ", ")))
	fmt.Fprintf(tw, "  Min installer:\t%d\n", j.MinInstaller)
	tw.Flush()
	fmt.Fprintf(w, "  Transforms, in the order they apply (%d):\n", len(j.Transforms))
	for i := range j.Transforms {
		fmt.Fprintf(w, "    %s\n", escapeName(j.Transforms[i].Name))
		printTransform(w, "      ", &j.Transforms[i])
	}
	for _, tab := range []struct {
		name string
		rows *rowsJSON
	}{{"MsiPatchMetadata", j.Metadata}, {"MsiPatchSequence", j.Sequence}} {
		if tab.rows == nil {
			continue
		}
		fmt.Fprintf(w, "  %s (%d rows): %s\n", tab.name, len(tab.rows.Rows)+tab.rows.LeftOut, escapedRow(tab.rows.Columns))
		for _, r := range tab.rows.Rows {
			fmt.Fprintf(w, "    %s\n", escapedRow(r))
		}
		if tab.rows.LeftOut > 0 {
			fmt.Fprintf(w, "    (%d more rows not listed)\n", tab.rows.LeftOut)
		}
	}
}

// escapedRow joins values with tabs, each escaped.
func escapedRow(vals []string) string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = escapeText(v)
	}
	return strings.Join(out, "\t")
}
