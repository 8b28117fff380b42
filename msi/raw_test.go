package msi

import (
	"errors"
	"strings"
	"testing"
)

// TestStringPoolWriterRefusesText: text the pool's codepage cannot hold is
// a *ValueError naming the pool, with the text clipped (a transform's
// strings may be megabytes long).
func TestStringPoolWriterRefusesText(t *testing.T) {
	w := NewStringPoolWriter(1251)
	if id, err := w.Add(StrValue("Привет")); err != nil || id == 0 {
		t.Fatalf("Add(Cyrillic) in 1251: id %d, %v", id, err)
	}
	long := strings.Repeat("é", 1<<20)
	_, err := w.Add(StrValue(long))
	var verr *ValueError
	if !errors.As(err, &verr) || verr.Table != "_StringPool" {
		t.Fatalf("Add(é…) in 1251: %v (%T), want a *ValueError for _StringPool", err, err)
	}
	if n := len(err.Error()); n > 1024 {
		t.Errorf("error of %d bytes: the text is not clipped", n)
	}
}
