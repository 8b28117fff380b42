// Package doccheck holds no code of its own: its tests walk every package of
// the module and fails, listing file and line, for each exported identifier
// that go doc would show without documentation, or whose doc comment does
// not start with the identifier's name, and for each package that lacks a
// doc.go carrying the package comment.
//
// Run it with
//
//	go test ./internal/doccheck
//
// The rules, as in STYLE.md:
//   - every package directory has a doc.go, and the package comment is in it;
//   - in every package (internal and main ones too), every exported type,
//     function, method, constant and variable has a doc comment starting
//     with its name ("A", "An" or "The" may come first for a type, as golint
//     allowed). A constant or variable in a parenthesized group is covered by
//     the group's comment, or by its own comment when the group has none.
//     Struct fields and interface methods are not checked.
//
// TestReadmeFlags builds cmd/msikit and checks README.md against its help:
// every command is covered by a README section, every flag of a command
// appears in what its section says about it, and every --flag a section
// mentions exists. TestGoModTidy checks that go.mod and go.sum are tidy.
// TestImportLayers checks that dependencies point one way (cmd ->
// transform -> msi/* -> msi -> cfb, cab; msi does not depend on cab), and
// TestReadmeLayout that the README's Layout section names every package.
package doccheck
