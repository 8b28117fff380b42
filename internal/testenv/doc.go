// Package testenv finds the external oracles (msitools, olefile,
// osslsigncode, wine) and the shared corpus for tests.
//
// A test that needs an oracle calls NeedTool (or NeedOlefile, NeedWine).
// When the tool is missing the test is skipped with a message saying what
// to install, unless MSIKIT_REQUIRE_ORACLES=1 is set (as in CI), in which
// case it fails. HaveTool is the same for a check inside a test that
// runs only when its tool is there.
//
// Packages with such tests use Main as their TestMain (or Run, when
// TestMain has more to do). After the tests it prints one line saying how
// many oracle checks were skipped and which Debian packages provide the
// missing tools, and whether corpus tests were skipped for want of the
// corpus: on standard output with -v, otherwise on the terminal, since go
// test shows a passing package's output only with -v. Before the tests it
// fails the package when $MSIKIT_CORPUS names no folder.
//
// The corpus is ../shared/corpus beside the repository, or
// $MSIKIT_CORPUS; a relative $MSIKIT_CORPUS is taken from the repository
// root, where "go test ./..." is typed, not from the package folders the
// tests run in.
//
// CheckBudget, CheckBudgetOf and CheckFuzzBudget bound the time and
// memory of work on hostile input. A run over the time budget is made
// once more, so the work must be repeatable; MSIKIT_BUDGET_RERUN=1 makes
// every check run it twice, to find work that is not on an idle machine.
package testenv
