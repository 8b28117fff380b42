package idt

import "strings"

// Control Character Translation, from the Windows Installer "Archive File
// Format" documentation: an .idt file cannot hold the control characters
// that separate its fields and lines, so exporting a table writes each of
// them as another control character and importing translates them back.
//
//	NUL -> 0x15 (21)   BS -> 0x1B (27)   HT -> 0x10 (16)
//	LF  -> 0x19 (25)   FF -> 0x18 (24)   CR -> 0x11 (17)
//
// This is what Orca and msidb files contain; msiinfo writes the values raw
// (testdata/known-msiinfo-differences.md).
var (
	escaper   = strings.NewReplacer("\x00", "\x15", "\b", "\x1b", "\t", "\x10", "\n", "\x19", "\f", "\x18", "\r", "\x11")
	unescaper = strings.NewReplacer("\x15", "\x00", "\x1b", "\b", "\x10", "\t", "\x19", "\n", "\x18", "\f", "\x11", "\r")
)

// escape translates the control characters of a value for an .idt file.
func escape(s string) string {
	if !strings.ContainsAny(s, "\x00\b\t\n\f\r") {
		return s
	}
	return escaper.Replace(s)
}

// unescape undoes escape on a field read from an .idt file.
func unescape(s string) string {
	if !strings.ContainsAny(s, "\x15\x1b\x10\x19\x18\x11") {
		return s
	}
	return unescaper.Replace(s)
}
