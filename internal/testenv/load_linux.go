package testenv

import (
	"bytes"
	"os"
	"strconv"
)

// readLoadAverage returns the machine's one-minute load average, or 0 if
// it cannot be read.
func readLoadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _, _ := bytes.Cut(b, []byte(" "))
	l, err := strconv.ParseFloat(string(f), 64)
	if err != nil || l < 0 {
		return 0
	}
	return l
}
