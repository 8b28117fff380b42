// Package validate checks Windows Installer databases with the rules
// package authors are held to, the ICEs (Internal Consistency Evaluators)
// that Microsoft's darice.cub and mergemod.cub run inside msi.dll, written
// in Go from their documentation so that they run anywhere and on any
// package.
//
//	db, err := msi.Open("product.msi")
//	...
//	findings, err := validate.Validate(db, nil)
//	for _, f := range findings {
//		fmt.Println(f) // ICE03 error File[f1].Component_: Not a valid foreign key: ...
//	}
//
// Validate runs the rules Rules lists (Options selects some or skips
// some) and returns Findings: the rule, a severity (error, warning, info),
// the table, column and primary key of the row, a one-line message and the
// rule's documentation link, in a stable order. Findings yields the same
// findings one at a time, each rule's once it has run, holding no more
// than one rule's (and those in a temporary file past 4 MiB). WriteSARIF
// writes them as a SARIF 2.1.0 log for code-scanning dashboards; a
// SARIFWriter writes the same log a package at a time, or a finding at a
// time (AddFindings), without holding it in memory. ValidateContext and
// Findings give up once their context is done.
//
// # Order and identical findings
//
// Findings are ordered by rule (the order of Rules), then table, primary
// key, column, severity (most serious first) and message, the rule's
// summaries of findings not listed last. Identical findings (same rule,
// severity, table, column, key and message), which a table with
// duplicate rows makes a rule report once per copy, are listed once, with
// Duplicates counting the others; Counts, Added and the SARIF
// occurrenceCount count them all.
//
// Installer databases get the ICE rules; merge modules get the ICE rules
// that apply to modules plus the ICEM rules of mergemod.cub. Patches and
// transforms are refused with an error wrapping ErrUnsupported: what they
// must be checked on is their target with them applied.
//
// # ICE03 and the _Validation table
//
// ICE03 checks every value against the package's own _Validation table,
// as msi.dll's MsiViewModify(MSIMODIFY_VALIDATE) does: nullability,
// MinValue and MaxValue of integers, Set membership, the category of
// strings (with msi.CheckCategory, the checks msi's strict mode uses),
// foreign keys (the value must be in column KeyColumn of one of the
// KeyTable tables), string lengths against the column sizes, duplicate
// primary keys, localizable key columns, and the _Validation table's own
// consistency (unknown categories, MaxValue below MinValue, KeyTables the
// database lacks). darice.cub carries no _Validation rows for the standard
// tables, so the real ICE03 depends on the package's table too. A package
// without one (shipped packages often leave it out) gets an info finding
// and only the checks the schema allows: duplicate keys, nulls in columns
// _Columns declares not nullable, and string lengths.
//
// # ICE33 and msikit's class-to-registry pass
//
// ICE33 warns about Registry rows that register COM classes, ProgIds,
// file extensions, shell verbs, AppIds, MIME types or type libraries,
// which the advertising tables could express. Microsoft documents these
// warnings as obsolete. msikit's class-to-registry pass
// (transform.ClassToRegistry, msikit rewrite) turns advertised
// registration into exactly such Registry rows, on purpose: advertised
// registration triggers the resiliency repairs the pass exists to stop.
// The policy, which rewrite and validate share: ICE33 findings are
// warnings, never errors; a rewritten package gains one ICE33 warning per
// Registry row the pass adds under HKEY_CLASSES_ROOT and no error (the
// repository's tests check both on every corpus package); and msikit's
// --validate fails a write only on new errors. Skip the rule (Options.Skip,
// msikit validate --skip ICE33) to hide the warnings.
//
// # Limits
//
// Every rule reads each table it needs once and resolves each Directory
// row once (chains and loops of Directory_Parent cost no more than the
// table; a message renders a folder in at most 32 steps), so time and
// memory are linear in the package. Findings are
// listed up to Options.MaxFindings per rule and severity (1,000 by
// default) and counted beyond, so that a package whose every row is wrong
// cannot make the result grow with it; messages quote at most 120
// characters of a value. With no bound (MaxFindings below 0), Findings
// keeps memory independent of the number of findings: a rule's findings
// past 4 MiB are sorted in runs spilled to a temporary file
// (in the default directory, nameless from the start except on
// Windows, removed before Findings returns) and merged back.
//
// Where a rule's documentation is ambiguous, the choice made is in the
// rule's doc comment and in the README's coverage table, which also lists
// the rules not implemented.
package validate
