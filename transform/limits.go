package transform

import (
	"errors"

	"github.com/msikit/msikit/transform/internal/edit"
)

// DefaultMaxChanges is the number of row changes ClassToRegistry and
// SplitAdvertised may make when their options leave MaxChanges at 0. Real
// packages need a few thousand at most; a crafted package of a few
// megabytes could otherwise ask for millions (a ProgId chain of 60,000, a
// feature whose conditions are copied into thousands of leaves), each
// costing memory in the tables and the report.
const DefaultMaxChanges = edit.DefaultMaxChanges

// ErrTooManyChanges is wrapped by the error a pass returns when it would
// make more row changes than its MaxChanges option allows. The database is
// left unchanged.
var ErrTooManyChanges = edit.ErrTooManyChanges

// ErrNotInstaller is wrapped by the error Audit and ClassToRegistry return
// for a patch (.msp) or a transform (.mst): they read and rewrite
// installer databases and merge modules; what a patch or transform does
// is audited or rewritten on its target with it applied.
var ErrNotInstaller = edit.ErrNotInstaller

// DefaultMaxEntryPoints is the number of rows of the tables that hold
// advertised entry points (Class, ProgId, AppId, Extension, Verb, MIME,
// Shortcut, TypeLib, PublishComponent) Audit accepts when its options
// leave MaxEntryPoints at 0. Real packages hold a few thousand at most;
// each entry point the audit lists costs about a kilobyte of memory, and
// 5 MB of crafted rows (680 categories x 680 qualifiers in
// PublishComponent, 10 bytes a row) hold 460,000.
const DefaultMaxEntryPoints = 100_000

// ErrTooManyEntryPoints is wrapped by the error Audit returns for a
// package with more entry point rows than its MaxEntryPoints option
// allows, before it reads them.
var ErrTooManyEntryPoints = errors.New("too many advertised entry points")
