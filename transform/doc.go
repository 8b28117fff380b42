// Package transform holds the table-rewriting passes that stop Windows
// Installer resiliency repairs:
//
//   - ClassToRegistry expresses advertised COM and shell registration
//     (Class, ProgId, AppId, Extension, Verb, MIME) as plain Registry rows.
//   - AssemblyNames completes MsiAssemblyName identities from the
//     assemblies' own metadata.
//   - SplitAdvertised moves advertised components into small hidden leaf
//     features under their old parents.
//
// NewPackageCode then gives the changed package a new PackageCode derived
// from the changes, as a Report of its own. Every identifier the passes
// generate fits the columns as the package declares them.
//
// Audit reads a package without changing it: its advertised entry points,
// the darwin descriptors Windows Installer writes for them, the health
// check each starts (the components and key paths of the feature and its
// parents), the causes of repair loops it finds, and what the passes
// would change (it runs them on a copy). It shares the passes' analysis:
// which rows msiexec registers is the class-to-registry planner's
// decision. Its AuditReport holds the entry points compactly
// (NumEntryPoints, EntryPoint and EntryPoints read them; 60-150 bytes an
// entry point, where an EntryPoint with its key, name and descriptor is
// about 450) and writes the findings and covered components when they are
// read: a 5 MB package can have 460,000 entry points. PackageIndex names
// the rows behind the codes a log or a descriptor mentions.
//
// Each pass is one exported function taking a *msi.Database and its own
// options struct, editing the database in memory and returning a *Report of
// what changed and what could not be expressed. Nothing is written to disk;
// the caller saves the database. A Report holds its row changes compactly
// (Changes, Change and NumChanges read them; about 80 bytes a change,
// where a Change of strings is 200-350), and its notes likewise (Notes,
// Note and NumNotes; 20-70 bytes a note, where a Note is 90-120): a pass
// may make hundreds of thousands. Passes run one after another on one
// database can be given one Shared in their options: ClassToRegistry and
// SplitAdvertised then read the FeatureComponents table once between
// them (a million rows in a package pairing a thousand features with a
// thousand components), as msikit rewrite runs them.
//
// A pass or an audit given a Context in its options stops once it is
// done, within 1,024 rows or steps of its loops, with an error matching
// ctx.Err() and context.Cause(ctx): ClassToRegistry and SplitAdvertised
// while they read and plan, before they change anything (a plan, once
// made, is applied whole), AssemblyNames while it reads the package's
// files, Audit anywhere in its preview and its own loops.
//
// What a pass generates is bounded: ClassToRegistry and SplitAdvertised
// stop at their MaxChanges option (DefaultMaxChanges, 100,000 row
// changes) with an error wrapping ErrTooManyChanges before changing
// anything, so that a few megabytes of chained or shared rows cannot ask
// for millions of rows; where one row would multiply (a FileTypeMask of
// more than 128 patterns, a feature with more than 64 conditions copied
// into each leaf) the row is kept as it is and reported.
package transform
