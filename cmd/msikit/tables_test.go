package main

import "testing"

func TestTablesCommand(t *testing.T) {
	checkUsage(t, []string{"tables"}, []string{"tables", "a.msi", "b.msi"})
	checkBadInputs(t, "tables", "-l", "FILE")
	checkGolden(t, "tables", "tables", samplePath())
	checkGolden(t, "tables-l", "tables", "-l", samplePath())
}
