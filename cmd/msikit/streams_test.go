package main

import "testing"

func TestStreamsCommand(t *testing.T) {
	checkUsage(t, []string{"streams"}, []string{"streams", "a.msi", "b.msi"})
	checkBadInputs(t, "streams", "FILE")
	checkGolden(t, "streams", "streams", samplePath())
}
