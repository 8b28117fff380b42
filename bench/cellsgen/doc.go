// Command cellsgen writes an IDT file whose binary cells each name their
// own file, for measuring `msikit import` of many distinct cell files
// (bench/import-cells.sh): DIR/Binary.idt with -n rows of the Binary table
// (Name s72, Data v0) and the folder DIR/Binary holding the -n files, each
// of -size bytes. With -n 250000 -size 1 the IDT file is about 3.1 MB,
// the case SECURITY.md measures.
//
//	go run ./bench/cellsgen -dir /tmp/cells -n 250000
//	msikit import testdata/sample.msi /tmp/cells/Binary.idt -o out.msi
package main
