// Command extractgen writes an installer package for the extraction
// benchmark (bench/extract.sh): testdata/sample.msi's Property table and
// summary information, with -files files of -kib KiB each spread over
// -dirs folders below ProgramFilesFolder, in one embedded MSZIP cabinet,
// as large real packages are laid out; -folders splits the cabinet into
// that many folders (independent streams), for parallel extraction.
//
//	go run ./bench/extractgen -o many.msi -files 30000 -dirs 300 -kib 2
package main
