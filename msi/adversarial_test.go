package msi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// Hostile inputs to the summary information parser fail fast, with little memory, and with the right error.
func TestAdversarialInputsBounded(t *testing.T) {
	t.Run("suminfo counts", func(t *testing.T) {
		b := make([]byte, 28+20+8)
		binary.LittleEndian.PutUint16(b, 0xFFFE)
		binary.LittleEndian.PutUint32(b[24:], 1)
		copy(b[28:], fmtidSummaryInformation[:])
		binary.LittleEndian.PutUint32(b[44:], 48)
		binary.LittleEndian.PutUint32(b[48:], 8)
		binary.LittleEndian.PutUint32(b[52:], 0xFFFFFFFF) // property count
		testenv.CheckBudget(t, t.Name(), func() {
			if _, err := ParseSummaryInfo(b); !errors.Is(err, ErrFormat) {
				t.Errorf("err = %v", err)
			}
		})
	})
	t.Run("suminfo huge stream", func(t *testing.T) {
		testenv.CheckBudget(t, t.Name(), func() {
			_, err := readSummaryInfo(bytes.NewReader(nil), 1<<40)
			if !errors.Is(err, ErrFormat) {
				t.Errorf("err = %v", err)
			}
		})
	})
}
