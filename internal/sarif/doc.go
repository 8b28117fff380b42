// Package sarif writes SARIF 2.1.0 logs (OASIS Static Analysis Results
// Interchange Format, errata 01), the JSON that code-scanning dashboards
// read, for the commands that report findings about a package. It holds
// only the parts of the format those commands use: one run per log, the
// tool's rules, and results with a level, a message and their locations
// (the package file, and a logical location such as a table row).
//
// Package sariftest validates a log against the official JSON schema in
// tests.
package sarif
