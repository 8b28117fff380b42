// Package msilog explains verbose Windows Installer logs (msiexec /l*v):
// the action that failed and the errors before it, the darwin
// descriptors of MsiProvideComponentFromDescriptor lines, the event log's
// "Detection of product ..." pairs read as "this component's key path is
// missing, and that entry point started the check", known root causes
// with their remedies and sources (Patterns), and which package ran and
// whether its signature held.
//
// Explain reads a log line by line, as msiexec writes it: UTF-16LE with
// a byte-order mark (or without one), UTF-8, or the ANSI code page. It
// never fails on what it does not recognise: unknown lines and binary
// garbage are skipped, a line longer than Options.MaxLineLen is cut, and
// the events kept are bounded by Options.MaxEvents, so memory stays flat
// however large the log (gigabytes of it, or one endless line).
//
// Wine's msiexec writes the same line forms for actions ("Action start",
// "Action ended ... Return value N.") but marks a failed action with 0
// instead of Windows Installer's 3 and writes fewer messages; Explain
// recognises both (Explanation.Flavor). Codes a log names are tied to a
// package's rows through Options.Package.
package msilog
